import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SqliteEventStore } from '../../src/event-store/embedded/sqlite-event-store';
import type { NewEvent } from '../../src/event-store/event-envelope';
import { SqliteSubjectKeyStore } from '../../src/privacy/embedded/sqlite-subject-key-store';
import { PersonalDataSealer } from '../../src/privacy/personal-data-sealer';
import { SealingEventStore } from '../../src/privacy/sealing-event-store';
import { SubjectErasure } from '../../src/privacy/subject-erasure';
import { SubjectIndex } from '../../src/privacy/subject-index';

const SCRIPT = resolve(__dirname, '../../scripts/verify-audit-chain.js');

function opened(accountId: string, ownerId: string): NewEvent {
  const id = randomUUID();
  return {
    eventId: id,
    type: 'AccountOpened',
    schemaVersion: 1,
    data: { accountId, ownerId, currency: 'EUR', overdraftLimit: 0 },
    metadata: {
      actor: { subject: 'teller-1', roles: ['teller'] },
      correlationId: id,
      causationId: id,
      commandId: id,
    },
  };
}

describe('the external verifier on an export taken after an erasure', () => {
  it('passes, and counts the events that carry fields of erased subjects', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledgerline-erased-export-'));
    const inner = new SqliteEventStore({ file: join(dir, 'events.sqlite') });
    const keys = new SqliteSubjectKeyStore(join(dir, 'keys.sqlite'), randomBytes(32));
    const index = new SubjectIndex(randomBytes(32));
    const store = new SealingEventStore(inner, new PersonalDataSealer(keys, index));
    try {
      await store.append('account-x1', [opened('x1', 'xena')], 'no-stream');
      await store.append('account-y1', [opened('y1', 'yuri')], 'no-stream');
      await new SubjectErasure(store, keys, index).erase({
        subjectId: 'xena',
        actor: { subject: 'officer', roles: ['admin'] },
        authority: 'case 7',
        correlationId: 'c-7',
      });
      const exported = (await store.readAll()).map((event) => JSON.stringify(event)).join('\n');
      const file = join(dir, 'export.ndjson');
      writeFileSync(file, exported);

      const run = spawnSync(process.execPath, [SCRIPT, file], { encoding: 'utf8' });

      expect(run.status).toBe(0);
      expect(run.stdout.trim().split('\n')).toEqual([
        expect.stringMatching(/^OK account-x1 revisions 0..0 head /),
        expect.stringMatching(/^OK account-y1 revisions 0..0 head /),
        expect.stringMatching(new RegExp(`^OK erasure-${index.of('xena')} revisions 0..0 head `)),
        'PERSONAL 3 events carry sealed personal fields; 1 of them carry fields of erased subjects (1 DataSubjectErased events in this export)',
      ]);
      expect(exported).not.toContain('xena');
    } finally {
      await inner.close();
      await keys.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
