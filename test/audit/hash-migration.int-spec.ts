import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/event-store/embedded/sqlite-event-store';
import { envelopeHash, GENESIS_HASH } from '../../src/event-store/event-envelope';

/** The events table as it was before events carried a hash. */
const OLD_SCHEMA = `
  CREATE TABLE events (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    stream_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    type TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    data TEXT NOT NULL,
    metadata TEXT NOT NULL,
    UNIQUE (stream_id, revision)
  )`;

const metadata = {
  actor: { subject: 'old', roles: [] },
  correlationId: 'c',
  causationId: 'c',
  commandId: 'c',
};

describe('SqliteEventStore on a file written before the hash chain', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledgerline-migration-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('adds the hash column, chains the events it finds, and chains new appends on', async () => {
    const file = join(dir, 'events.sqlite');
    const old = new Database(file);
    old.exec(OLD_SCHEMA);
    const insert = old.prepare(
      `INSERT INTO events (event_id, stream_id, revision, type, schema_version, recorded_at, data, metadata)
       VALUES (?, ?, ?, 'OldEvent', 1, '2025-01-01T00:00:00.000Z', ?, ?)`,
    );
    // Interleaved streams, more than one migration page of one stream.
    old.transaction(() => {
      for (let n = 0; n < 1205; n++) {
        insert.run(randomUUID(), 'stream-a', n, JSON.stringify({ n }), JSON.stringify(metadata));
        if (n < 3) {
          insert.run(randomUUID(), 'stream-b', n, JSON.stringify({ n }), JSON.stringify(metadata));
        }
      }
    })();
    old.close();

    const store = new SqliteEventStore({ file });
    try {
      await store.append(
        'stream-b',
        [{ eventId: randomUUID(), type: 'NewEvent', schemaVersion: 1, data: {}, metadata }],
        2,
      );
      for (const streamId of ['stream-a', 'stream-b']) {
        let previous = GENESIS_HASH;
        for (const event of await store.readStream(streamId)) {
          expect(event.hash).toBe(envelopeHash(event, previous));
          previous = event.hash;
        }
      }
      expect(await store.readStream('stream-b')).toHaveLength(4);
    } finally {
      await store.close();
    }
    // Opening the migrated file again changes nothing.
    const reopened = new SqliteEventStore({ file });
    const before = await reopened.readAll();
    await reopened.close();
    const again = new SqliteEventStore({ file });
    expect(await again.readAll()).toStrictEqual(before);
    await again.close();
  });
});
