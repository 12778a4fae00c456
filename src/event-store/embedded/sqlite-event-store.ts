import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import type { EventEnvelope, NewEvent } from '../event-envelope';
import { EventStoreUnavailableError } from '../event-store.errors';
import type {
  AppendResult,
  BatchHandler,
  EventLocation,
  EventStore,
  ReadAllOptions,
  ReadStreamOptions,
  SubscribeOptions,
  Subscription,
} from '../event-store.port';
import type { ExpectedRevision } from '../expected-revision';
import type { StorageCheck, StorageChecked } from '../../observability/storage-check.port';
import { type FileIdentity, identityOf, stillOnDisk } from '../../storage/embedded/file-identity';
import { sqliteFaultReason } from '../../storage/embedded/sqlite-fault';
import { CatchUpSubscription } from './catch-up-subscription';
import { SharedPageRead } from './shared-page-read';
import { type EventRow, openEventFile, prepareEventFile, toEnvelope } from './sqlite-event-rows';
import { SqliteWriter } from './sqlite-writer';

/** What the store tells its operator about; the app binds it to metrics and the log. */
export interface EventStoreObserver {
  /** The clock said `clock`, behind the log; the append was stored at `recordedAt` instead. */
  clockSteppedBack(clock: string, recordedAt: string): void;
  /** One commit carried `size` requests. */
  groupCommitted(size: number): void;
}

export interface SqliteEventStoreOptions {
  file: string;
  /**
   * How often a caught-up subscription checks whether another connection (another process, or
   * another instance on the same file) committed. The check is `PRAGMA data_version`, which costs
   * microseconds; the log is read only when it changed.
   */
  pollIntervalMs?: number;
  /** How long an append waits for another process's write lock before it fails as busy (503). */
  lockWaitMs?: number;
  /** Stamps recordedAt; tests step it back. */
  clock?: () => Date;
  observer?: EventStoreObserver;
}

const DEFAULT_POLL_INTERVAL_MS = 3;
/** Under the readiness check's 2 s timeout, so that a held lock shows as this check failing. */
const DEFAULT_LOCK_WAIT_MS = 1000;
/** Opening may have to wait for another process that creates or migrates the file. */
const OPEN_BUSY_TIMEOUT_MS = 5000;
/**
 * Reads in WAL mode do not wait for writers; they can meet a lock only while another connection
 * recovers the log after a crash. The wait is on the event loop, so it stays short.
 */
const READ_BUSY_TIMEOUT_MS = 100;
/** Readiness fails below this much free space in the data folder: appends are about to fail. */
const MIN_FREE_BYTES = 1024 * 1024;
const DEFAULT_BATCH_SIZE = 500;
/** SQLite reads a negative LIMIT as "no limit". */
const NO_LIMIT = -1;

function prepareReads(db: Database.Database) {
  return {
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
    byEventId: db.prepare<[string], Pick<EventRow, 'stream_id' | 'revision' | 'position'>>(
      'SELECT stream_id, revision, position FROM events WHERE event_id = ?',
    ),
  };
}

/**
 * The embedded event store: one SQLite file that several processes may share. Appends go to a
 * writer thread that commits what arrives together in one transaction (one fsync); reads run on
 * the caller's thread over a connection of their own, which WAL keeps from waiting for writers.
 */
export class SqliteEventStore implements EventStore, StorageChecked {
  private readonly db: Database.Database;
  private readonly reads: ReturnType<typeof prepareReads>;
  private readonly writer: SqliteWriter;
  private readonly opened: FileIdentity;
  private readonly pollIntervalMs: number;
  private readonly clock: () => Date;
  private readonly subscriptions = new Set<CatchUpSubscription>();
  private readonly subscriptionPages = new SharedPageRead((after, limit) =>
    this.readPage(after, limit),
  );
  private changeWatch: NodeJS.Timeout | undefined;
  private dataVersion = 0;
  private lastGroup = 0;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: SqliteEventStoreOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.clock = options.clock ?? (() => new Date());
    this.db = openEventFile(options.file, OPEN_BUSY_TIMEOUT_MS);
    try {
      prepareEventFile(this.db);
      this.db.pragma(`busy_timeout = ${READ_BUSY_TIMEOUT_MS}`);
      this.reads = prepareReads(this.db);
      this.opened = identityOf(options.file);
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.writer = new SqliteWriter({
      file: options.file,
      lockWaitMs: options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS,
    });
  }

  async append(
    streamId: string,
    events: NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    if (events.length === 0) {
      throw new Error(`Stream ${streamId}: an append needs at least one event`);
    }
    const reply = await this.writer.append(streamId, events, expected, this.clock().toISOString());
    if (reply.group.seq > this.lastGroup) {
      this.lastGroup = reply.group.seq;
      this.options.observer?.groupCommitted(reply.group.size);
    }
    if (reply.clamped) {
      this.options.observer?.clockSteppedBack(reply.clamped.clock, reply.clamped.recordedAt);
    }
    for (const subscription of this.subscriptions) subscription.wake();
    return reply.result;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<EventEnvelope[]> {
    const limit = options.maxCount ?? NO_LIMIT;
    const rows = this.read(() =>
      options.direction === 'backwards'
        ? this.reads.streamBackwards.all({
            streamId,
            from: options.fromRevision ?? Number.MAX_SAFE_INTEGER,
            limit,
          })
        : this.reads.streamForwards.all({ streamId, from: options.fromRevision ?? 0, limit }),
    );
    return rows.map(toEnvelope);
  }

  /** One look-up in the UNIQUE index on event_id, at any age: `recordedSince` is not needed. */
  async findEvent(streamId: string, eventId: string): Promise<EventLocation | undefined> {
    const row = this.read(() => this.reads.byEventId.get(eventId));
    if (row === undefined || row.stream_id !== streamId) return undefined;
    return { revision: row.revision, position: row.position };
  }

  async readAll(options: ReadAllOptions = {}): Promise<EventEnvelope[]> {
    return this.readPage(options.after ?? 0, options.maxCount ?? NO_LIMIT);
  }

  async headPosition(): Promise<number> {
    return this.read(() => this.reads.head.get()?.head ?? 0);
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    const subscription = new CatchUpSubscription(
      (after) => this.subscriptionPages.read(after, batchSize),
      handler,
      options.after,
    );
    this.subscriptions.add(subscription);
    this.watchForChanges();
    const forget = () => {
      this.subscriptions.delete(subscription);
      if (this.subscriptions.size === 0) this.stopWatching();
    };
    subscription.done.then(forget, forget);
    return subscription;
  }

  /** Readiness: a commit reaches the disk, the file is still the one opened, space is left. */
  storageChecks(): StorageCheck[] {
    const folder = dirname(this.options.file);
    return [
      {
        name: 'event-store-write',
        run: async () => {
          await this.writer.probe(this.clock().toISOString());
          return {};
        },
      },
      {
        name: 'event-store-file',
        run: async () => {
          if (!stillOnDisk(this.options.file, this.opened)) {
            throw new EventStoreUnavailableError(
              `${this.options.file} was deleted or replaced since it was opened`,
              { reason: 'vanished' },
            );
          }
          return { file: this.options.file };
        },
      },
      {
        name: 'data-dir-space',
        run: async () => {
          const { bavail, bsize } = statfsSync(folder);
          const freeBytes = bavail * bsize;
          if (freeBytes < MIN_FREE_BYTES) {
            throw new EventStoreUnavailableError(`${folder} has ${freeBytes} bytes free`, {
              reason: 'full',
            });
          }
          return { freeBytes };
        },
      },
    ];
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.stopWatching();
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.writer.close();
    this.db.close();
  }

  private readPage(after: number, limit: number): EventEnvelope[] {
    return this.read(() => this.reads.page.all({ after, limit })).map(toEnvelope);
  }

  private read<T>(query: () => T): T {
    try {
      return query();
    } catch (error) {
      if (!this.db.open) {
        throw new EventStoreUnavailableError('Event store is closed', {
          cause: error,
          reason: 'closed',
        });
      }
      const reason = sqliteFaultReason(error);
      if (reason === undefined) throw error;
      throw new EventStoreUnavailableError(`Event store ${reason}: ${(error as Error).message}`, {
        cause: error,
        reason,
      });
    }
  }

  /**
   * Appends by other connections wake no one here, so while a subscription waits the store
   * watches SQLite's data_version, which changes with every commit another connection makes.
   */
  private watchForChanges(): void {
    if (this.changeWatch) return;
    this.dataVersion = this.currentDataVersion();
    this.changeWatch = setInterval(() => {
      if (![...this.subscriptions].some((subscription) => subscription.sleeping)) return;
      const version = this.currentDataVersion();
      if (version === this.dataVersion) return;
      this.dataVersion = version;
      for (const subscription of this.subscriptions) subscription.wake();
    }, this.pollIntervalMs);
  }

  private stopWatching(): void {
    clearInterval(this.changeWatch);
    this.changeWatch = undefined;
  }

  private currentDataVersion(): number {
    return this.db.open ? (this.db.pragma('data_version', { simple: true }) as number) : 0;
  }
}
