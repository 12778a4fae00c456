import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  START,
  excludeSystemEvents,
  type AllStreamResolvedEvent,
  type Position,
  type ReadAllOptions as EsdbReadAllOptions,
  type ReadPosition,
} from '@eventstore/db-client';
import { Logger } from '@nestjs/common';
import type { EventEnvelope, NewEvent } from '../event-envelope';
import { StreamDeletedError } from '../event-store.errors';
import type {
  AppendResult,
  BatchHandler,
  EventLocation,
  EventStore,
  FindEventOptions,
  ReadAllOptions,
  ReadStreamOptions,
  SubscribeOptions,
  Subscription,
} from '../event-store.port';
import type { ExpectedRevision } from '../expected-revision';
import { assertExpectedRevision, assertRevision } from './eventstoredb-append';
import { EventStoreDbAppender } from './eventstoredb-appender';
import { parseConnection, type EventStoreDbClient } from './eventstoredb-connection';
import { collect, toReadAllError, withDeadline } from './eventstoredb-errors';
import {
  InvalidEventError,
  assertUserStream,
  serializeEvent,
  toLogEntry,
  type ForeignEventError,
} from './eventstoredb-events';
import { fromLedgerPosition, toLedgerPosition } from './eventstoredb-position';
import { EventStoreDbStreamReader } from './eventstoredb-stream-reader';
import { RESEND_LOOK_BACK, StreamTails, tailOf } from './eventstoredb-stream-tails';
import {
  EventStoreDbCatchUpSubscription,
  type ResubscribeOptions,
} from './eventstoredb-subscription';

/** Counts events of $all passed over because Ledgerline did not write them. */
export interface SkippedEventCounter {
  inc(labels: { reason: string }): void;
}

export interface EventStoreDbEventStoreOptions {
  /**
   * `esdb://admin:changeit@host:2113?tlsCAFile=ca.crt` (secure: a user in $admins is required) or
   * `esdb://host:2113?tls=false` (insecure server). Keep the default node preference (leader).
   * Positions on stream reads need EventStoreDB 22.6 or later, positions in append answers 22.10.
   */
  connectionString: string;
  /**
   * Longest wait for an answer before the store counts as unavailable; for reads, the longest
   * silence between two received events. Also bounds how long a subscription may take to be
   * confirmed.
   */
  operationTimeoutMs?: number;
  /** Back-off for resubscribing after the server drops a subscription. */
  resubscribe?: Partial<ResubscribeOptions>;
  skippedEvents?: SkippedEventCounter;
  /** Stands in for the client built from the connection string: tests at the client boundary. */
  client?: EventStoreDbClient;
}

const DEFAULT_OPERATION_TIMEOUT_MS = 5000;
const DEFAULT_RESUBSCRIBE: ResubscribeOptions = {
  initialDelayMs: 100,
  maxDelayMs: 5000,
  maxAttempts: 10,
};
const DEFAULT_BATCH_SIZE = 500;
/** $all is read in pages, since system events, which are skipped, count towards a page. */
const ALL_PAGE_SIZE = 1000;
const MIN_ALL_PAGE_SIZE = 32;
const HEAD_PAGE_SIZE = 100;
/** Streams whose last events are kept in memory, so an append need not read before it writes. */
const REMEMBERED_STREAMS = 1000;
const FIND_PAGE_SIZE = 256;
/** How far a writing host's clock may trail: findEvent looks this much before `recordedSince`. */
const FIND_CLOCK_SKEW_MS = 5 * 60_000;

function assertCount(count: number | undefined, what: string): void {
  if (count !== undefined && (!Number.isSafeInteger(count) || count < 0)) {
    throw new RangeError(`${what} is a non-negative safe integer, not ${count}`);
  }
}

function assertDistinctIds(streamId: string, events: NewEvent[]): void {
  const ids = new Set(events.map((event) => event.eventId));
  if (ids.size !== events.length) {
    throw new InvalidEventError(`Stream ${streamId}: an append repeats an event id within itself`);
  }
}

/**
 * The port over EventStoreDB (22.10 or later) through its gRPC client. Reads and writes only
 * streams whose names do not start with `$`, and skips EventStoreDB's own events in $all, and
 * those it did not write (reported); eventstoredb-position.ts explains the positions,
 * EventStoreDbAppender the appends, EventStoreDbStreamReader the reads of deleted streams.
 */
export class EventStoreDbEventStore implements EventStore {
  private readonly logger = new Logger(EventStoreDbEventStore.name);
  private readonly client: EventStoreDbClient;
  private readonly timeoutMs: number;
  private readonly resubscribe: ResubscribeOptions;
  private readonly tails = new StreamTails(RESEND_LOOK_BACK, REMEMBERED_STREAMS);
  private readonly reader: EventStoreDbStreamReader;
  private readonly appender: EventStoreDbAppender;
  private readonly subscriptions = new Set<EventStoreDbCatchUpSubscription>();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: EventStoreDbEventStoreOptions) {
    this.timeoutMs = options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
    assertCount(this.timeoutMs, 'operationTimeoutMs');
    this.resubscribe = { ...DEFAULT_RESUBSCRIBE, ...options.resubscribe };
    // Parses the connection string now, so a malformed one fails at start-up; connects lazily.
    // eventstoredb-tls-probe.ts checks it against the server before the app starts.
    const { appendCredentials } = parseConnection(options.connectionString);
    this.client = options.client ?? EventStoreDBClient.connectionString(options.connectionString);
    this.reader = new EventStoreDbStreamReader(this.client, this.timeoutMs, this.tails);
    this.appender = new EventStoreDbAppender({
      client: this.client,
      reader: this.reader,
      tails: this.tails,
      timeoutMs: this.timeoutMs,
      credentials: appendCredentials,
      logger: this.logger,
    });
  }

  async append(
    streamId: string,
    events: NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    this.assertOpen();
    assertUserStream(streamId);
    if (events.length === 0) {
      throw new Error(`Stream ${streamId}: an append needs at least one event`);
    }
    assertExpectedRevision(expected);
    assertDistinctIds(streamId, events);
    // Everything is checked before anything is sent: see serializeEvent.
    return this.appender.append(streamId, events.map(serializeEvent), expected);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<EventEnvelope[]> {
    this.assertOpen();
    assertUserStream(streamId);
    const { direction = 'forwards', fromRevision, maxCount } = options;
    if (fromRevision !== undefined) assertRevision(fromRevision, 'fromRevision');
    assertCount(maxCount, 'maxCount');
    if (maxCount === 0) return [];
    const backwards = direction === 'backwards';
    const events = await this.reader.read(streamId, {
      direction: backwards ? BACKWARDS : FORWARDS,
      fromRevision: fromRevision === undefined ? (backwards ? END : START) : BigInt(fromRevision),
      maxCount,
    });
    if (!backwards) {
      const from = fromRevision ?? 0;
      if (events.length > 0 && events[0].revision > from) {
        throw new StreamDeletedError(
          streamId,
          `its events before revision ${events[0].revision} are gone (soft delete, $tb, ` +
            '$maxCount or $maxAge)',
        );
      }
      // A read to the end is the stream's tail, which the next append chains to.
      if (maxCount === undefined) this.tails.remember(streamId, tailOf(events));
    }
    return events;
  }

  /**
   * EventStoreDB has no index from event id to revision, so this reads the stream backwards, page
   * by page, until it meets the id: cheap for a recent event, the whole stream for a missing one,
   * unless `recordedSince` lets it stop at events recorded well before (recordedAt never goes
   * backwards within a stream, see EventStoreDbAppender). Callers use it where a command was refused or
   * decided nothing, and before a process-manager step.
   */
  async findEvent(
    streamId: string,
    eventId: string,
    options: FindEventOptions = {},
  ): Promise<EventLocation | undefined> {
    this.assertOpen();
    assertUserStream(streamId);
    const stopBefore =
      options.recordedSince === undefined
        ? -Infinity
        : Date.parse(options.recordedSince) - FIND_CLOCK_SKEW_MS;
    let from: bigint | typeof END = END;
    for (;;) {
      const page: EventEnvelope[] = await this.reader.read(streamId, {
        direction: BACKWARDS,
        fromRevision: from,
        maxCount: FIND_PAGE_SIZE,
      });
      const found = page.find((event) => event.eventId === eventId);
      if (found) return { revision: found.revision, position: found.position };
      const oldest = page.at(-1);
      if (page.length < FIND_PAGE_SIZE || oldest === undefined || oldest.revision === 0) {
        return undefined;
      }
      if (Date.parse(oldest.recordedAt) < stopBefore) return undefined;
      from = BigInt(oldest.revision - 1);
    }
  }

  async readAll(options: ReadAllOptions = {}): Promise<EventEnvelope[]> {
    this.assertOpen();
    const after = options.after ?? 0;
    let from: ReadPosition = fromLedgerPosition(after);
    assertCount(options.maxCount, 'maxCount');
    const limit = options.maxCount ?? Infinity;
    const found: EventEnvelope[] = [];
    if (limit === 0) return found;

    // Reads from `after` inclusive; the event at `after` and repeats at page edges are dropped.
    let previous = after;
    for (;;) {
      const wanted = limit - found.length + 1;
      const pageSize = Math.min(ALL_PAGE_SIZE, Math.max(wanted, MIN_ALL_PAGE_SIZE));
      const page = await this.readAllPage(after, {
        direction: FORWARDS,
        fromPosition: from,
        maxCount: pageSize,
      });
      for (const { event } of page) {
        if (event === undefined) continue;
        // The next page starts at the last event read, whatever it was, so reading moves on.
        from = event.position;
        const position = toLedgerPosition(event.position, event.id);
        if (position <= after || position === previous) continue;
        if (position < previous) {
          throw new Error(
            `$all holds position ${position} after ${previous}: prepare positions are out of ` +
              '$all order, which only events of explicit transactions cause',
          );
        }
        previous = position;
        const envelope = this.fromLog(event);
        if (envelope === undefined) continue;
        found.push(envelope);
        if (found.length >= limit) return found;
      }
      if (page.length < pageSize) return found;
    }
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    let from: Position | typeof END = END;
    for (;;) {
      const page = await this.readAllPage(0, {
        direction: BACKWARDS,
        fromPosition: from,
        maxCount: HEAD_PAGE_SIZE,
      });
      for (const { event } of page) {
        if (event === undefined) continue;
        // The same events readAll hands out; a foreign one is reported there, not here.
        if (toLogEntry(event).kind === 'event') return toLedgerPosition(event.position, event.id);
        from = event.position;
      }
      if (page.length < HEAD_PAGE_SIZE) return 0;
    }
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    this.assertOpen();
    fromLedgerPosition(options.after);
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`batchSize is a positive integer, not ${batchSize}`);
    }
    const subscription = new EventStoreDbCatchUpSubscription(
      {
        open: (from, checkpointReached) =>
          this.client.subscribeToAll({
            fromPosition: typeof from === 'number' ? fromLedgerPosition(from) : from,
            // On the server, so that system events do not travel; system streams are skipped
            // here, since the filter can only look at one of the two. The server reports how far
            // it has searched, so a resubscription need not search past skipped events again.
            filter: excludeSystemEvents({ checkpointReached: (_, at) => checkpointReached(at) }),
          }),
        convert: ({ event }: AllStreamResolvedEvent) =>
          event === undefined ? undefined : this.fromLog(event),
        handler,
        toError: (error, after) => toReadAllError(error, after, 'subscription to $all'),
      },
      {
        after: options.after,
        batchSize,
        confirmationTimeoutMs: this.timeoutMs,
        resubscribe: this.resubscribe,
      },
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
    await withDeadline(this.client.dispose(), this.timeoutMs, 'close');
  }

  private assertOpen(): void {
    if (this.closing) throw new Error('EventStoreDbEventStore is closed');
  }

  /** The envelope of a $all event, or undefined for one to pass over (reported if foreign). */
  private fromLog(event: NonNullable<AllStreamResolvedEvent['event']>): EventEnvelope | undefined {
    const entry = toLogEntry(event);
    if (entry.kind === 'event') return entry.envelope;
    if (entry.kind === 'foreign') this.reportForeign(entry.error, event.position);
    return undefined;
  }

  private reportForeign(error: ForeignEventError, position: Position): void {
    this.options.skippedEvents?.inc({ reason: error.reason });
    this.logger.warn(`Skipped in $all at position ${position.prepare}: ${error.message}`);
  }

  private async readAllPage(
    after: number,
    options: EsdbReadAllOptions,
  ): Promise<AllStreamResolvedEvent[]> {
    try {
      return await collect(this.client.readAll(options), this.timeoutMs, 'read $all');
    } catch (error) {
      throw toReadAllError(error, after, 'read $all');
    }
  }
}
