import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/config-error';
import { ERASED } from '../../src/domain/personal-data';
import { SqliteEventStore } from '../../src/event-store/embedded/sqlite-event-store';
import { SqliteSubjectKeyStore } from '../../src/privacy/embedded/sqlite-subject-key-store';
import { PersonalDataSealer } from '../../src/privacy/personal-data-sealer';
import { loadPrivacyConfig } from '../../src/privacy/privacy-config';
import { SealingEventStore } from '../../src/privacy/sealing-event-store';
import { SubjectErasure, erasureStream } from '../../src/privacy/subject-erasure';
import { SubjectIndex } from '../../src/privacy/subject-index';

describe('erasing a data subject', () => {
  let dir: string;
  let inner: SqliteEventStore;
  let keys: SqliteSubjectKeyStore;
  let store: SealingEventStore;
  let index: SubjectIndex;
  let erasure: SubjectErasure;
  const at = new Date('2026-12-01T20:00:00.000Z');
  const officer = { subject: 'privacy-officer-1', roles: ['admin'] };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ledgerline-erasure-'));
    inner = new SqliteEventStore({ file: join(dir, 'events.sqlite') });
    keys = new SqliteSubjectKeyStore(join(dir, 'subject-keys.sqlite'), randomBytes(32));
    index = new SubjectIndex(randomBytes(32));
    store = new SealingEventStore(inner, new PersonalDataSealer(keys, index));
    erasure = new SubjectErasure(store, keys, index, () => at);
    const id = randomUUID();
    await store.append(
      'account-e1',
      [
        {
          eventId: id,
          type: 'AccountOpened',
          schemaVersion: 1,
          data: { accountId: 'e1', ownerId: 'erin', currency: 'EUR', overdraftLimit: 0 },
          metadata: { actor: officer, correlationId: id, causationId: id, commandId: id },
        },
      ],
      'no-stream',
    );
  });
  afterEach(async () => {
    await inner.close();
    await keys.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records who asked, when and on what authority, then deletes the key', async () => {
    const result = await erasure.erase({
      subjectId: 'erin',
      actor: officer,
      authority: 'GDPR Art. 17, case 2026-114',
      correlationId: 'c-erase',
    });

    expect(result).toEqual({ subject: index.of('erin'), keysDeleted: 1, position: 2 });
    expect(await keys.hasKey(index.of('erin'))).toBe(false);
    const [recorded] = await store.opened.readStream(erasureStream(index.of('erin')));
    expect(recorded).toMatchObject({
      type: 'DataSubjectErased',
      data: {
        subject: index.of('erin'),
        authority: 'GDPR Art. 17, case 2026-114',
        erasedAt: at.toISOString(),
      },
      metadata: { actor: officer, correlationId: 'c-erase' },
    });
    const [opened] = await store.opened.readStream('account-e1');
    expect(opened.data).toMatchObject({ accountId: 'e1', ownerId: ERASED });
    expect(JSON.stringify(await store.readAll())).not.toContain('erin');
  });

  it('does not record a second erasure of a subject already erased', async () => {
    const request = { subjectId: 'erin', actor: officer, authority: 'case 1', correlationId: 'c' };
    await erasure.erase(request);

    expect(await erasure.erase(request)).toEqual({
      subject: index.of('erin'),
      keysDeleted: 0,
      position: null,
    });
    expect(await store.readStream(erasureStream(index.of('erin')))).toHaveLength(1);
  });
});

describe('privacy configuration', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ledgerline-privacy-config-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('generates a development master key once, private to the owner, and derives two keys from it', () => {
    const first = loadPrivacyConfig({}, dataDir);
    const second = loadPrivacyConfig({}, dataDir);

    expect(statSync(join(dataDir, 'privacy-master.key')).mode & 0o777).toBe(0o600);
    expect(second.wrappingKey.equals(first.wrappingKey)).toBe(true);
    expect(first.wrappingKey.equals(first.indexKey)).toBe(false);
    expect(first.keyStoreFile).toBe(join(dataDir, 'subject-keys.sqlite'));
  });

  it.each([
    ['production without a key', { LEDGER_ENV: 'production' }],
    ['a key that is not 64 hex digits', { PRIVACY_MASTER_KEY: 'abc' }],
    ['a key given twice', { PRIVACY_MASTER_KEY: 'a'.repeat(64), PRIVACY_MASTER_KEY_FILE: '/x' }],
  ])('refuses %s, naming PRIVACY_MASTER_KEY', (_, env: NodeJS.ProcessEnv) => {
    expect(() => loadPrivacyConfig(env, dataDir)).toThrow(ConfigError);
    expect(() => loadPrivacyConfig(env, dataDir)).toThrow('Invalid setting PRIVACY_MASTER_KEY:');
  });
});
