import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAuditConfig } from '../../src/audit/audit-config';
import { ConfigError } from '../../src/config/app-config';

describe('audit configuration', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ledgerline-audit-config-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('defaults to a 60 s interval and a generated key that is reused afterwards', () => {
    const first = loadAuditConfig({}, dataDir);
    const second = loadAuditConfig({}, dataDir);

    expect(first.anchorIntervalMs).toBe(60000);
    expect(first.anchorKeySource).toBe(join(dataDir, 'anchor.key'));
    expect(second.anchorKey.equals(first.anchorKey)).toBe(true);
    expect(first.anchorKeyId).toMatch(/^[0-9a-f]{16}$/);
    expect(readFileSync(join(dataDir, 'anchor.key'), 'utf8').trim()).toBe(
      first.anchorKey.toString('hex'),
    );
  });

  it('takes AUDIT_ANCHOR_KEY and AUDIT_ANCHOR_INTERVAL_MS from the environment', () => {
    const key = 'k'.repeat(32);
    const config = loadAuditConfig(
      { AUDIT_ANCHOR_KEY: key, AUDIT_ANCHOR_INTERVAL_MS: '0', LEDGER_ENV: 'production' },
      dataDir,
    );

    expect(config).toMatchObject({ anchorIntervalMs: 0, anchorKeySource: 'AUDIT_ANCHOR_KEY' });
    expect(config.anchorKey.toString('utf8')).toBe(key);
  });

  it.each([
    [{ LEDGER_ENV: 'production' }, 'AUDIT_ANCHOR_KEY'],
    [{ AUDIT_ANCHOR_KEY: 'too-short' }, 'AUDIT_ANCHOR_KEY'],
    [{ AUDIT_ANCHOR_INTERVAL_MS: '50' }, 'AUDIT_ANCHOR_INTERVAL_MS'],
    [{ AUDIT_ANCHOR_INTERVAL_MS: 'soon' }, 'AUDIT_ANCHOR_INTERVAL_MS'],
  ])('refuses %j naming %s', (env, setting) => {
    expect(() => loadAuditConfig(env, dataDir)).toThrow(ConfigError);
    expect(() => loadAuditConfig(env, dataDir)).toThrow(setting);
  });

  it('refuses a key file that does not hold a key', () => {
    writeFileSync(join(dataDir, 'anchor.key'), 'not a key');

    expect(() => loadAuditConfig({}, dataDir)).toThrow(/anchor\.key must hold 64 hex digits/);
  });
});
