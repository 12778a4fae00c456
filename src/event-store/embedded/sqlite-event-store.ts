import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { type EventEnvelope, envelopeHash, GENESIS_HASH, type NewEvent } from '../event-envelope';
import { PartialDuplicateAppendError, WrongExpectedRevisionError } from '../event-store.errors';
import type {
  AppendResult,
  BatchHandler,
  EventStore,
  ReadAllOptions,
  ReadStreamOptions,
  SubscribeOptions,
  Subscription,
} from '../event-store.port';
import type { ExpectedRevision } from '../expected-revision';

export interface SqliteEventStoreOptions {
  file: string;
  /** How often a caught-up subscription looks for appends made by other processes. */
  pollIntervalMs?: number;
}

const DEFAULT_POLL_INTERVAL_MS = 100;
const DEFAULT_BATCH_SIZE = 500;
/** Long enough for another process to finish its append, short enough to fail instead of hang. */
const BUSY_TIMEOUT_MS = 5000;
/** SQLite reads a negative LIMIT as "no limit". */
const NO_LIMIT = -1;

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
  )`;

/** Files created before events were hash-chained get the column, then the chain, at open. */
const ADD_HASH_COLUMN = "ALTER TABLE events ADD COLUMN hash TEXT NOT NULL DEFAULT ''";
const MIGRATION_PAGE = 1000;

interface EventRow {
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

type StoredId = Pick<EventRow, 'stream_id' | 'revision' | 'position'>;

function prepareStatements(db: Database.Database) {
  return {
    insert: db.prepare<Omit<EventRow, 'position'>>(
      `INSERT INTO events
         (event_id, stream_id, revision, type, schema_version, recorded_at, data, metadata, hash)
       VALUES
         (@event_id, @stream_id, @revision, @type, @schema_version, @recorded_at, @data, @metadata,
          @hash)`,
    ),
    byEventId: db.prepare<[string], StoredId>(
      'SELECT stream_id, revision, position FROM events WHERE event_id = ?',
    ),
    last: db.prepare<[string], Pick<EventRow, 'revision' | 'hash'>>(
      'SELECT revision, hash FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1',
    ),
    streamForwards: db.prepare<{ streamId: string; from: number; limit: number }, EventRow>(
      `SELECT * FROM events WHERE stream_id = @streamId AND revision >= @from
       ORDER BY revision LIMIT @limit`,
    ),
    streamBackwards: db.prepare<{ streamId: string; from: number; limit: number }, EventRow>(
      `SELECT * FROM events WHERE stream_id = @streamId AND revision <= @from
       ORDER BY revision DESC LIMIT @limit`,
    ),
    page: db.prepare<{ after: number; limit: number }, EventRow>(
      'SELECT * FROM events WHERE position > @after ORDER BY position LIMIT @limit',
    ),
    head: db.prepare<[], { head: number | null }>('SELECT MAX(position) AS head FROM events'),
  };
}

function toEnvelope(row: EventRow): EventEnvelope {
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

/**
 * The embedded event store: one SQLite file that several processes may share. better-sqlite3 is
 * synchronous, so every call holds the event loop while it runs, including while it waits for
 * another process's write lock (at most BUSY_TIMEOUT_MS).
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly pollIntervalMs: number;
  private readonly subscriptions = new Set<CatchUpSubscription>();
  private closing: Promise<void> | undefined;

  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly appendTransaction: Database.Transaction<
    (streamId: string, events: NewEvent[], expected: ExpectedRevision) => AppendResult
  >;

  constructor(options: SqliteEventStoreOptions) {
    mkdirSync(dirname(options.file), { recursive: true });
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.db = new Database(options.file);
    // Before anything else: switching to WAL and creating the table take locks too.
    this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    this.db.pragma('journal_mode = WAL');
    // An accepted event must survive a power cut, so every commit is synced to disk.
    this.db.pragma('synchronous = FULL');
    this.db.exec(SCHEMA);
    migrateToHashChain(this.db);

    this.statements = prepareStatements(this.db);
    this.appendTransaction = this.db.transaction(
      (streamId: string, events: NewEvent[], expected: ExpectedRevision) =>
        this.appendLocked(streamId, events, expected),
    );
  }

  async append(
    streamId: string,
    events: NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    if (events.length === 0) {
      throw new Error(`Stream ${streamId}: an append needs at least one event`);
    }
    // IMMEDIATE takes the write lock before the revision check, so no other process can append
    // between the check and the insert.
    const result = this.appendTransaction.immediate(streamId, events, expected);
    for (const subscription of this.subscriptions) subscription.wake();
    return result;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<EventEnvelope[]> {
    const limit = options.maxCount ?? NO_LIMIT;
    const rows =
      options.direction === 'backwards'
        ? this.statements.streamBackwards.all({
            streamId,
            from: options.fromRevision ?? Number.MAX_SAFE_INTEGER,
            limit,
          })
        : this.statements.streamForwards.all({ streamId, from: options.fromRevision ?? 0, limit });
    return rows.map(toEnvelope);
  }

  async readAll(options: ReadAllOptions = {}): Promise<EventEnvelope[]> {
    return this.readPage(options.after ?? 0, options.maxCount ?? NO_LIMIT);
  }

  async headPosition(): Promise<number> {
    return this.statements.head.get()?.head ?? 0;
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    const subscription = new CatchUpSubscription(
      (after) => this.readPage(after, batchSize),
      handler,
      options.after,
      this.pollIntervalMs,
    );
    this.subscriptions.add(subscription);
    const forget = () => this.subscriptions.delete(subscription);
    subscription.done.then(forget, forget);
    return subscription;
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    this.db.close();
  }

  private readPage(after: number, limit: number): EventEnvelope[] {
    return this.statements.page.all({ after, limit }).map(toEnvelope);
  }

  /** The checks below only hold while the IMMEDIATE transaction keeps the write lock. */
  private appendLocked(
    streamId: string,
    events: NewEvent[],
    expected: ExpectedRevision,
  ): AppendResult {
    const resent = this.findResend(streamId, events);
    if (resent) return resent;

    const last = this.statements.last.get(streamId);
    const actual = last?.revision ?? 'no-stream';
    if (expected !== 'any' && expected !== actual) {
      throw new WrongExpectedRevisionError(streamId, expected, actual);
    }

    const firstRevision = last === undefined ? 0 : last.revision + 1;
    const recordedAt = new Date().toISOString();
    // The write lock is held, so the previous hash cannot change before these rows commit.
    let previousHash = last?.hash ?? GENESIS_HASH;
    const positions = events.map((event, index) => {
      const row = {
        event_id: event.eventId,
        stream_id: streamId,
        revision: firstRevision + index,
        type: event.type,
        schema_version: event.schemaVersion,
        recorded_at: recordedAt,
        data: JSON.stringify(event.data),
        metadata: JSON.stringify(event.metadata),
      };
      // Hashed as a reader will get it back: data and metadata after their JSON round trip.
      const hash = envelopeHash(toEnvelope({ ...row, position: 0, hash: '' }), previousHash);
      previousHash = hash;
      return Number(this.statements.insert.run({ ...row, hash }).lastInsertRowid);
    });
    return {
      revision: firstRevision + events.length - 1,
      position: positions[positions.length - 1],
    };
  }

  /**
   * A retried request re-sends the same event ids; it must get the original answer rather than a
   * revision conflict. Anything short of an exact, in-order repeat is a caller bug.
   */
  private findResend(streamId: string, events: NewEvent[]): AppendResult | undefined {
    const stored = events
      .map((event) => this.statements.byEventId.get(event.eventId))
      .filter((row) => row !== undefined);
    if (stored.length === 0) return undefined;

    const first = stored[0];
    const isResend =
      stored.length === events.length &&
      stored.every(
        (row, index) => row.stream_id === streamId && row.revision === first.revision + index,
      );
    if (!isResend) throw new PartialDuplicateAppendError(streamId);
    const last = stored[stored.length - 1];
    return { revision: last.revision, position: last.position };
  }
}

/**
 * Reads the log page by page after a checkpoint. Once caught up it sleeps until an append on this
 * store wakes it, or until the poll interval passes, which is how appends by other processes on
 * the same file are noticed.
 */
class CatchUpSubscription implements Subscription {
  readonly done: Promise<void>;
  private stopped = false;
  private wakeSleeper: (() => void) | undefined;

  constructor(
    private readonly readPage: (after: number) => EventEnvelope[],
    private readonly handler: BatchHandler,
    after: number,
    private readonly pollIntervalMs: number,
  ) {
    this.done = this.run(after);
  }

  wake(): void {
    this.wakeSleeper?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    // A handler failure is reported through `done`; stopping has still succeeded.
    await this.done.catch(() => undefined);
  }

  private async run(after: number): Promise<void> {
    // Hand the subscription to the caller before the handler sees the first batch.
    await Promise.resolve();
    let checkpoint = after;
    while (!this.stopped) {
      const batch = this.readPage(checkpoint);
      if (batch.length === 0) {
        // Safe to sleep now: appends notify synchronously, and none could run since the read.
        await this.sleep();
        continue;
      }
      await this.handler(batch);
      checkpoint = batch[batch.length - 1].position;
      // Reads are synchronous and a handler may resolve at once, so without this a long catch-up
      // would hold the event loop (HTTP requests, timers) until it reached the head.
      await yieldToEventLoop();
    }
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake(), this.pollIntervalMs);
      this.wakeSleeper = () => {
        clearTimeout(timer);
        this.wakeSleeper = undefined;
        resolve();
      };
    });
  }
}
