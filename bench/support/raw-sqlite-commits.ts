/**
 * The disk's floor under an append: single-event transactions on a better-sqlite3 file set up as
 * the embedded event store sets up its own (WAL, synchronous = FULL, the same table and indexes),
 * one commit and so one fsync each, on one connection.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function rawSqliteCommitsPerSecond(seconds: number): { commits: number; perSecond: number } {
  const dir = mkdtempSync(join(tmpdir(), 'ledgerline-raw-sqlite-'));
  const db = new Database(join(dir, 'raw.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(`CREATE TABLE events (
      position INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE,
      stream_id TEXT NOT NULL, revision INTEGER NOT NULL, data TEXT NOT NULL,
      UNIQUE (stream_id, revision))`);
    const insert = db.prepare(
      'INSERT INTO events (event_id, stream_id, revision, data) VALUES (?, ?, ?, ?)',
    );
    const commit = db.transaction((revision: number) =>
      insert.run(randomUUID(), 'account-raw', revision, '{"amount":1,"balanceAfter":1}'),
    );
    const started = process.hrtime.bigint();
    const until = started + BigInt(seconds * 1e9);
    let commits = 0;
    while (process.hrtime.bigint() < until) commit.immediate(commits++);
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    return { commits, perSecond: commits / elapsed };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
