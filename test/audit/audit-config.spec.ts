import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anchorKeyId } from '../../src/audit/anchor-keys';
import { loadAuditConfig } from '../../src/audit/audit-config';
import { ConfigError } from '../../src/config/app-config';

function ed25519(): { privatePem: string; publicPem: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    publicKey,
  };
}

describe('audit configuration', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ledgerline-audit-config-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('defaults to a 60 s interval and a generated Ed25519 key, private to the owner and reused afterwards', () => {
    const first = loadAuditConfig({}, dataDir);
    const second = loadAuditConfig({}, dataDir);

    const file = join(dataDir, 'anchor-signing.pem');
    expect(first.anchorIntervalMs).toBe(60000);
    expect(first.anchorKeySource).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(second.anchorKeys.currentKeyId).toBe(first.anchorKeys.currentKeyId);
    expect(first.anchorKeys.currentKeyId).toMatch(/^[0-9a-f]{16}$/);
    const publicKey = createPublicKey(readFileSync(file, 'utf8'));
    expect(anchorKeyId(publicKey)).toBe(first.anchorKeys.currentKeyId);
  });

  it('takes the signing key, retired public keys and the interval from the environment', () => {
    const current = ed25519();
    const retired = [ed25519(), ed25519()];
    const config = loadAuditConfig(
      {
        AUDIT_SIGNING_KEY: current.privatePem.replace(/\n/g, '\\n'),
        AUDIT_RETIRED_PUBLIC_KEYS: retired.map((key) => key.publicPem).join(''),
        AUDIT_ANCHOR_INTERVAL_MS: '0',
        LEDGER_ENV: 'production',
      },
      dataDir,
    );

    expect(config).toMatchObject({ anchorIntervalMs: 0, anchorKeySource: 'AUDIT_SIGNING_KEY' });
    expect(config.anchorKeys.published().map(({ keyId, status }) => [keyId, status])).toEqual([
      [anchorKeyId(current.publicKey), 'current'],
      ...retired.map((key) => [anchorKeyId(key.publicKey), 'retired']),
    ]);
  });

  it('reads the keys from files when given *_FILE settings', () => {
    const current = ed25519();
    const retired = ed25519();
    writeFileSync(join(dataDir, 'signing.pem'), current.privatePem);
    writeFileSync(join(dataDir, 'retired.pem'), retired.publicPem);

    const config = loadAuditConfig(
      {
        AUDIT_SIGNING_KEY_FILE: join(dataDir, 'signing.pem'),
        AUDIT_RETIRED_PUBLIC_KEYS_FILE: join(dataDir, 'retired.pem'),
      },
      dataDir,
    );

    expect(config.anchorKeySource).toBe(join(dataDir, 'signing.pem'));
    expect(config.anchorKeys.currentKeyId).toBe(anchorKeyId(current.publicKey));
    expect(config.anchorKeys.published()).toHaveLength(2);
  });

  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();

  it.each([
    ['production without a key', { LEDGER_ENV: 'production' }, 'AUDIT_SIGNING_KEY'],
    ['the old HMAC key', { AUDIT_ANCHOR_KEY: 'k'.repeat(40) }, 'AUDIT_ANCHOR_KEY'],
    ['a key that is not PEM', { AUDIT_SIGNING_KEY: 'not a key' }, 'AUDIT_SIGNING_KEY'],
    ['an RSA key', { AUDIT_SIGNING_KEY: rsa }, 'AUDIT_SIGNING_KEY'],
    [
      'a key given twice',
      { AUDIT_SIGNING_KEY: 'x', AUDIT_SIGNING_KEY_FILE: '/x' },
      'AUDIT_SIGNING_KEY',
    ],
    [
      'a key file that is not there',
      { AUDIT_SIGNING_KEY_FILE: '/nonexistent/signing.pem' },
      'AUDIT_SIGNING_KEY_FILE',
    ],
    [
      'retired keys without a public key',
      { AUDIT_RETIRED_PUBLIC_KEYS: 'nothing here' },
      'AUDIT_RETIRED_PUBLIC_KEYS',
    ],
    ['an interval too short', { AUDIT_ANCHOR_INTERVAL_MS: '50' }, 'AUDIT_ANCHOR_INTERVAL_MS'],
    ['an interval not a number', { AUDIT_ANCHOR_INTERVAL_MS: 'soon' }, 'AUDIT_ANCHOR_INTERVAL_MS'],
  ])('refuses %s, naming the setting', (_, env: NodeJS.ProcessEnv, setting) => {
    expect(() => loadAuditConfig(env, dataDir)).toThrow(ConfigError);
    expect(() => loadAuditConfig(env, dataDir)).toThrow(`Invalid setting ${setting}:`);
  });

  it('refuses a development key file that does not hold a key', () => {
    writeFileSync(join(dataDir, 'anchor-signing.pem'), 'not a key');

    expect(() => loadAuditConfig({}, dataDir)).toThrow(
      /AUDIT_SIGNING_KEY: .*anchor-signing\.pem is not a PEM private key/,
    );
  });
});
