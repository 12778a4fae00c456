import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { type EventEnvelope, envelopeHash, GENESIS_HASH } from '../event-envelope';

// Plain columns on purpose: auditors and tamper-detection tests read and edit rows with SQL.
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    stream_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    type TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    data TEXT NOT NULL,
    metadata TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (stream_id, revision)
  );
  -- One row that readiness rewrites: proof that a commit still reaches the disk.
  CREATE TABLE IF NOT EXISTS write_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    probed_at TEXT NOT NULL
  )`;

/** Files created before events were hash-chained get the column, then the chain, at open. */
const ADD_HASH_COLUMN = "ALTER TABLE events ADD COLUMN hash TEXT NOT NULL DEFAULT ''";
const MIGRATION_PAGE = 1000;

export interface EventRow {
  position: number;
  event_id: string;
  stream_id: string;
  revision: number;
  type: string;
  schema_version: number;
  recorded_at: string;
  data: string;
  metadata: string;
  hash: string;
}

export function toEnvelope(row: EventRow): EventEnvelope {
  return {
    eventId: row.event_id,
    streamId: row.stream_id,
    revision: row.revision,
    position: row.position,
    type: row.type,
    schemaVersion: row.schema_version,
    recordedAt: row.recorded_at,
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata),
    hash: row.hash,
  };
}

/**
 * Opens (creating when missing) the events file with the pragmas every connection needs.
 * `busyTimeoutMs` bounds how long a statement waits for another process's lock.
 */
export function openEventFile(file: string, busyTimeoutMs: number): Database.Database {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    // Before anything else: switching to WAL and creating the table take locks too.
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    db.pragma('journal_mode = WAL');
    // An accepted event must survive a power cut, so every commit is synced to disk.
    db.pragma('synchronous = FULL');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Creates the tables and chains an unchained file: once, at start-up, before any append. */
export function prepareEventFile(db: Database.Database): void {
  db.exec(SCHEMA);
  migrateToHashChain(db);
}

function hasHashColumn(db: Database.Database): boolean {
  const columns = db.pragma('table_info(events)') as { name: string }[];
  return columns.some((column) => column.name === 'hash');
}

/**
 * Adds the hash column to a file written before events were chained and chains what is there,
 * stream by stream in revision order. Those hashes attest the events as found at this moment,
 * not as first written. Under the write lock, so that only one process migrates.
 */
function migrateToHashChain(db: Database.Database): void {
  if (hasHashColumn(db)) return;
  db.transaction(() => {
    if (hasHashColumn(db)) return;
    db.exec(ADD_HASH_COLUMN);
    const page = db.prepare<{ streamId: string; revision: number; limit: number }, EventRow>(
      `SELECT * FROM events WHERE (stream_id, revision) > (@streamId, @revision)
       ORDER BY stream_id, revision LIMIT @limit`,
    );
    const setHash = db.prepare<[string, number]>('UPDATE events SET hash = ? WHERE position = ?');
    let after = { streamId: '', revision: -1 };
    let previous = { streamId: '', hash: GENESIS_HASH };
    for (;;) {
      const rows = page.all({ ...after, limit: MIGRATION_PAGE });
      if (rows.length === 0) return;
      for (const row of rows) {
        const prior = previous.streamId === row.stream_id ? previous.hash : GENESIS_HASH;
        const hash = envelopeHash(toEnvelope({ ...row, hash: '' }), prior);
        setHash.run(hash, row.position);
        previous = { streamId: row.stream_id, hash };
      }
      const last = rows[rows.length - 1];
      after = { streamId: last.stream_id, revision: last.revision };
    }
  }).immediate();
}
