import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../src/event-store/embedded/sqlite-event-store';
import type { NewEvent } from '../src/event-store/event-envelope';

/**
 * Raw better-sqlite3 single-event commits/s (WAL, synchronous = FULL: one fsync each) beside the
 * embedded event store's grouped appends/s at 32 concurrent appenders, on the same disk in one run.
 * `npm run bench:append`; BENCH_SECONDS sets each phase's length (default 5).
 */

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const APPENDERS = 32;

function newEvent(n: number): NewEvent {
  return {
    eventId: randomUUID(),
    type: 'MoneyDeposited',
    schemaVersion: 2,
    data: { amount: n, balanceAfter: n, channel: 'api', reference: `bench-${n}` },
    metadata: {
      actor: { subject: 'bench', roles: ['teller'] },
      correlationId: randomUUID(),
      causationId: randomUUID(),
      commandId: randomUUID(),
    },
  };
}

/** One INSERT per transaction, as a store without group commit does it. */
export function rawCommitsPerSecond(dir: string, seconds = SECONDS): number {
  const db = new Database(join(dir, 'raw.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE events (position INTEGER PRIMARY KEY, event_id TEXT UNIQUE, data TEXT)');
  const insert = db.prepare('INSERT INTO events (event_id, data) VALUES (?, ?)');
  const commit = db.transaction((n: number) =>
    insert.run(randomUUID(), JSON.stringify(newEvent(n))),
  );
  const until = performance.now() + seconds * 1000;
  let commits = 0;
  while (performance.now() < until) commit(commits++);
  db.close();
  return commits / seconds;
}

/** Appends/s through SqliteEventStore with `appenders` callers each awaiting its own append. */
export async function groupedAppendsPerSecond(
  dir: string,
  seconds = SECONDS,
  appenders = APPENDERS,
): Promise<{ perSecond: number; meanGroup: number }> {
  let groups = 0;
  let grouped = 0;
  const store = new SqliteEventStore({
    file: join(dir, 'events.sqlite'),
    observer: {
      groupCommitted: (size) => {
        groups++;
        grouped += size;
      },
      clockSteppedBack: () => undefined,
    },
  });
  await store.append('bench-warm-up', [newEvent(0)], 'no-stream');
  [groups, grouped] = [0, 0];
  const until = performance.now() + seconds * 1000;
  let appends = 0;
  await Promise.all(
    Array.from({ length: appenders }, async (_, a) => {
      for (let n = 0; performance.now() < until; n++) {
        await store.append(`account-bench-${a}`, [newEvent(n)], 'any');
        appends++;
      }
    }),
  );
  await store.close();
  return { perSecond: appends / seconds, meanGroup: grouped / Math.max(groups, 1) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ledgerline-append-bench-'));
  try {
    const raw = rawCommitsPerSecond(dir);
    const grouped = await groupedAppendsPerSecond(dir);
    console.log(`raw better-sqlite3, FULL sync, 1 event per commit: ${raw.toFixed(0)} commits/s`);
    console.log(
      `embedded event store, ${APPENDERS} appenders, group commit: ${grouped.perSecond.toFixed(0)} appends/s ` +
        `(mean group ${grouped.meanGroup.toFixed(1)} appends per commit)`,
    );
    console.log(`ratio grouped / raw: ${(grouped.perSecond / raw).toFixed(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void main();
