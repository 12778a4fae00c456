import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  excludeSystemEvents,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type JSONEventData,
  type Position,
  type ResolvedEvent,
  type ReadAllOptions as EsdbReadAllOptions,
  type ReadStreamOptions as EsdbReadStreamOptions,
} from '@eventstore/db-client';
import { GENESIS_HASH, type EventEnvelope, type NewEvent } from '../event-envelope';
import { WrongExpectedRevisionError } from '../event-store.errors';
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
import {
  assertExpectedRevision,
  assertRevision,
  findResend,
  fromCurrentRevision,
  lastRevisionOf,
  toEsdbExpectedRevision,
} from './eventstoredb-append';
import { collect, toStoreError, withDeadline } from './eventstoredb-errors';
import {
  InvalidEventError,
  assertUserStream,
  isSystemEvent,
  serializeEvent,
  toEnvelope,
  toProposedEvents,
  type SerializedEvent,
} from './eventstoredb-events';
import { fromLedgerPosition, toLedgerPosition } from './eventstoredb-position';
import {
  EventStoreDbCatchUpSubscription,
  type ResubscribeOptions,
} from './eventstoredb-subscription';

export interface EventStoreDbEventStoreOptions {
  /**
   * For example `esdb://localhost:2113?tls=false`. Keep the default node preference (leader):
   * every append is read back, which must see the write. Positions on stream reads need
   * EventStoreDB 22.6 or later.
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
/** Read-check-append rounds of an 'any' append while other writers keep moving the stream. */
const ANY_APPEND_ROUNDS = 8;

type Attempt =
  { appended: true; revision: number } | { appended: false; actual: number | 'no-stream' };

/** The recording time of an append; the hash covers it, so it is fixed before the write. */
function now(): string {
  return new Date().toISOString();
}

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
 * The port over EventStoreDB (22.6 or later) through its gRPC client. Reads and writes only
 * streams whose names do not start with `$`, and skips EventStoreDB's own events in $all;
 * eventstoredb-position.ts explains the positions.
 *
 * An append with a numeric expected revision first reads the event at that revision, whose hash
 * the new events chain to, and afterwards reads its own last event back, for its position.
 * recordedAt is this process's clock at append time, not EventStoreDB's `created`: the hash
 * covers it, so it has to be fixed before the write.
 *
 * Re-sent appends: EventStoreDB itself answers a re-send made with the original expected
 * revision with the original result. When it reports a wrong expected version instead, the
 * stream is read back and a complete, in-order repeat is answered with the original result;
 * a partial one is a PartialDuplicateAppendError. The same happens when the event at the expected
 * revision is one of the appended ones (a retry that re-read the stream after its first try went
 * through). 'any' appends read the stream first and append expecting the revision they saw.
 * Not detected, and written a second time: ids stored in another stream, and ids stored before a
 * numeric expected revision that is the stream's current one when the event at that revision is
 * not among them (EventStoreDB compares ids only after the expected revision).
 */
export class EventStoreDbEventStore implements EventStore {
  private readonly client: EventStoreDBClient;
  private readonly timeoutMs: number;
  private readonly resubscribe: ResubscribeOptions;
  private readonly subscriptions = new Set<EventStoreDbCatchUpSubscription>();
  private closing: Promise<void> | undefined;

  constructor(options: EventStoreDbEventStoreOptions) {
    this.timeoutMs = options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
    assertCount(this.timeoutMs, 'operationTimeoutMs');
    this.resubscribe = { ...DEFAULT_RESUBSCRIBE, ...options.resubscribe };
    // Parses the connection string now, so a malformed one fails at start-up; connects lazily.
    this.client = EventStoreDBClient.connectionString(options.connectionString);
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
    const serialized = events.map(serializeEvent);
    if (expected === 'any') return this.appendAny(streamId, serialized);

    // The hash chain needs the hash of the event the caller expects to be the last one.
    let previousHash = GENESIS_HASH;
    if (expected !== 'no-stream') {
      const [previous] = await this.readStreamEnvelopes(streamId, {
        direction: FORWARDS,
        fromRevision: BigInt(expected),
        maxCount: 1,
        requiresLeader: true,
      });
      // The stream is shorter than expected: the append could only be refused. Or the expected
      // last event is one of these: a retry that re-read the stream after its first try went
      // through, which EventStoreDB would write again (it compares ids after the expected
      // revision only).
      if (previous === undefined || serialized.some((e) => e.eventId === previous.eventId)) {
        return this.resendOrConflict(streamId, serialized, expected);
      }
      previousHash = previous.hash;
    }
    const firstRevision = expected === 'no-stream' ? 0 : expected + 1;
    const attempt = await this.tryAppend(
      streamId,
      toProposedEvents(streamId, serialized, firstRevision, previousHash, now()),
      toEsdbExpectedRevision(expected),
    );
    if (attempt.appended) return this.appendedAt(streamId, serialized, attempt.revision);
    return this.resendOrConflict(streamId, serialized, expected);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<EventEnvelope[]> {
    this.assertOpen();
    assertUserStream(streamId);
    const { direction = 'forwards', fromRevision, maxCount } = options;
    if (fromRevision !== undefined) assertRevision(fromRevision, 'fromRevision');
    assertCount(maxCount, 'maxCount');
    if (maxCount === 0) return [];
    const backwards = direction === 'backwards';
    return this.readStreamEnvelopes(streamId, {
      direction: backwards ? BACKWARDS : FORWARDS,
      fromRevision: fromRevision === undefined ? (backwards ? END : START) : BigInt(fromRevision),
      maxCount,
    });
  }

  async readAll(options: ReadAllOptions = {}): Promise<EventEnvelope[]> {
    this.assertOpen();
    const after = options.after ?? 0;
    let from = fromLedgerPosition(after);
    assertCount(options.maxCount, 'maxCount');
    const limit = options.maxCount ?? Infinity;
    const found: EventEnvelope[] = [];
    if (limit === 0) return found;

    // Reads from `after` inclusive; the event at `after` and repeats at page edges are dropped.
    let previous = after;
    for (;;) {
      const wanted = limit - found.length + 1;
      const pageSize = Math.min(ALL_PAGE_SIZE, Math.max(wanted, MIN_ALL_PAGE_SIZE));
      const page = await this.readAllPage({
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
        if (isSystemEvent(event)) continue;
        found.push(toEnvelope(event));
        if (found.length >= limit) return found;
      }
      if (page.length < pageSize) return found;
    }
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    let from: Position | typeof END = END;
    for (;;) {
      const page = await this.readAllPage({
        direction: BACKWARDS,
        fromPosition: from,
        maxCount: HEAD_PAGE_SIZE,
      });
      for (const { event } of page) {
        if (event === undefined) continue;
        if (!isSystemEvent(event)) return toLedgerPosition(event.position, event.id);
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
        open: (after) =>
          this.client.subscribeToAll({
            fromPosition: fromLedgerPosition(after),
            // On the server, so that system events do not travel; system streams are
            // skipped here, since the filter can only look at one of the two.
            filter: excludeSystemEvents(),
          }),
        convert: ({ event }: AllStreamResolvedEvent) =>
          event === undefined || isSystemEvent(event) ? undefined : toEnvelope(event),
        handler,
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

  /**
   * EventStoreDB refused the append (or it could only be refused): the stream is read back, and
   * a complete, in-order repeat of stored events gets the original result.
   */
  private async resendOrConflict(
    streamId: string,
    events: SerializedEvent[],
    expected: number | 'no-stream',
  ): Promise<AppendResult> {
    const stream = await this.readWholeStream(streamId);
    const resent = findResend(streamId, events, stream);
    if (resent) return resent;
    throw new WrongExpectedRevisionError(streamId, expected, lastRevisionOf(stream));
  }

  /**
   * 'any' is resolved here rather than sent as ANY: read the stream, answer a re-send from it,
   * else append expecting the revision just read, so nothing can slip in between the check and
   * the write. Other writers moving the stream meanwhile cost another round.
   */
  private async appendAny(streamId: string, events: SerializedEvent[]): Promise<AppendResult> {
    for (let round = 1; ; round++) {
      const stream = await this.readWholeStream(streamId);
      const resent = findResend(streamId, events, stream);
      if (resent) return resent;
      const last = stream.at(-1);
      const proposed = toProposedEvents(
        streamId,
        events,
        last === undefined ? 0 : last.revision + 1,
        last?.hash ?? GENESIS_HASH,
        now(),
      );
      const expected = lastRevisionOf(stream);
      const attempt = await this.tryAppend(streamId, proposed, toEsdbExpectedRevision(expected));
      if (attempt.appended) return this.appendedAt(streamId, events, attempt.revision);
      if (round >= ANY_APPEND_ROUNDS) {
        throw new WrongExpectedRevisionError(streamId, 'any', attempt.actual);
      }
    }
  }

  private async tryAppend(
    streamId: string,
    proposed: JSONEventData[],
    expectedRevision: AppendExpectedRevision,
  ): Promise<Attempt> {
    const operation = `append to ${streamId}`;
    try {
      const result = await withDeadline(
        this.client.appendToStream(streamId, proposed, {
          expectedRevision,
          deadline: this.timeoutMs,
        }),
        this.timeoutMs,
        operation,
      );
      // With throwOnAppendFailure=false in the connection string a conflict is a result.
      if (!result.success) {
        return { appended: false, actual: fromCurrentRevision(result.nextExpectedRevision) };
      }
      return { appended: true, revision: Number(result.nextExpectedRevision) };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        return { appended: false, actual: fromCurrentRevision(error.actualVersion) };
      }
      throw toStoreError(error, operation);
    }
  }

  /**
   * The result of an append that EventStoreDB accepted (or recognised as a re-send) with the
   * stream's last revision at `revision`. The append's own answer carries one position for the
   * whole write, not necessarily the last event's, so the last event is read back: its position
   * is the answer, and its id confirms the revision holds what was just appended.
   */
  private async appendedAt(
    streamId: string,
    events: SerializedEvent[],
    revision: number,
  ): Promise<AppendResult> {
    const [stored] = await this.readStreamEnvelopes(streamId, {
      direction: FORWARDS,
      fromRevision: BigInt(revision),
      maxCount: 1,
      requiresLeader: true,
    });
    const expectedId = events[events.length - 1].eventId;
    if (stored?.eventId !== expectedId) {
      throw new Error(
        `Stream ${streamId}: EventStoreDB accepted the append at revision ${revision}, but that ` +
          `revision holds ${stored ? `event ${stored.eventId}` : 'nothing'}, not ${expectedId}`,
      );
    }
    return { revision, position: stored.position };
  }

  private readWholeStream(streamId: string): Promise<EventEnvelope[]> {
    return this.readStreamEnvelopes(streamId, {
      direction: FORWARDS,
      fromRevision: START,
      requiresLeader: true,
    });
  }

  private async readStreamEnvelopes(
    streamId: string,
    options: EsdbReadStreamOptions,
  ): Promise<EventEnvelope[]> {
    const operation = `read stream ${streamId}`;
    let read: ResolvedEvent[];
    try {
      read = await collect(this.client.readStream(streamId, options), this.timeoutMs, operation);
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw toStoreError(error, operation);
    }
    return read.flatMap(({ event }) => (event ? [toEnvelope(event)] : []));
  }

  private async readAllPage(options: EsdbReadAllOptions): Promise<AllStreamResolvedEvent[]> {
    try {
      return await collect(this.client.readAll(options), this.timeoutMs, 'read $all');
    } catch (error) {
      throw toStoreError(error, 'read $all');
    }
  }
}
