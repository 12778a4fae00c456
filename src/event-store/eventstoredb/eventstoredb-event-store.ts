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
  type ReadAllOptions as EsdbReadAllOptions,
  type ReadPosition,
  type ReadStreamOptions as EsdbReadStreamOptions,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { GENESIS_HASH, type EventEnvelope, type NewEvent } from '../event-envelope';
import { StreamDeletedError, WrongExpectedRevisionError } from '../event-store.errors';
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
  lastRevisionOf,
  toEsdbExpectedRevision,
} from './eventstoredb-append';
import {
  parseConnection,
  type EventStoreDbClient,
  type EventStoreDbConnection,
} from './eventstoredb-connection';
import { collect, toReadAllError, toStreamError, withDeadline } from './eventstoredb-errors';
import {
  InvalidEventError,
  assertUserStream,
  toProposedEvents,
  serializeEvent,
  toEnvelope,
  toLogEntry,
  type ForeignEventError,
  type SerializedEvent,
} from './eventstoredb-events';
import { fromLedgerPosition, toLedgerPosition } from './eventstoredb-position';
import { StreamTails, tailOf, type TailEvent } from './eventstoredb-stream-tails';
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
/**
 * How far back from the stream's last event a re-sent append is looked for, in events. EventStoreDB
 * has no index from event id to revision, so a re-send whose original ends further back than this
 * is not recognised and is written again. Retries come soon after the original (a lost answer, an
 * Idempotency-Key replay after a crash), when few events have followed it in its stream; looking
 * further would cost a larger read on every append of a stream this process does not know.
 */
export const RESEND_LOOK_BACK = 64;
/** Streams whose last events are kept in memory, so an append need not read before it writes. */
const REMEMBERED_STREAMS = 1000;
/** Rounds of an 'any' append while other writers keep moving the stream, with jittered back-off. */
const ANY_APPEND_ROUNDS = 8;
const ANY_BACKOFF_MS = 5;
const ANY_MAX_BACKOFF_MS = 200;

type Attempt =
  { appended: true; revision: number; position: number | undefined } | { appended: false };

/**
 * The recording time of an append: this process's clock, never earlier than the stream's previous
 * event. Not EventStoreDB's `created`: the hash covers recordedAt and is stored in the event, so it
 * is fixed before the write, when `created` is not yet known. Several api processes have several
 * clocks, so the previous event's time is a floor: recordedAt never goes backwards in a stream.
 */
function recordingTime(previous: TailEvent | undefined): string {
  const now = new Date();
  const floor = previous?.recordedAt ? Date.parse(previous.recordedAt) : NaN;
  return floor > now.getTime() ? new Date(floor).toISOString() : now.toISOString();
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

/** EventStoreDB's soft delete sets $tb to long.MaxValue (KurrentDB StorageWriterService). */
function isSoftDeleteMark(truncateBefore: unknown): boolean {
  return typeof truncateBefore === 'number' && truncateBefore > Number.MAX_SAFE_INTEGER;
}

/**
 * The port over EventStoreDB (22.10 or later) through its gRPC client. Reads and writes only
 * streams whose names do not start with `$`, and skips EventStoreDB's own events in $all;
 * eventstoredb-position.ts explains the positions.
 *
 * An append is one round trip when this process knows the stream's last events (it appended to the
 * stream, or read it to the end, since): it chains to the last one's hash and takes the new
 * position from the server's answer. Otherwise it first reads the last RESEND_LOOK_BACK events
 * (one page, backwards), never the whole stream.
 *
 * Re-sent appends (all ids stored in the stream, in order) get the original result:
 * - with the original expected revision, EventStoreDB answers so itself (it compares ids when the
 *   expected revision is behind the stream's);
 * - at the stream's current revision, where EventStoreDB would write them again (KurrentDB
 *   IndexWriter.CheckCommit: ids are compared after the expected revision only), and after a
 *   refusal, from the stream's last RESEND_LOOK_BACK events, known or read in one page. That page
 *   is the cost: none when the tail is known, one read of up to RESEND_LOOK_BACK + n events
 *   otherwise, and one on every refusal. Originals further back are not found (see the constant).
 *   Ids stored in another stream are not looked for.
 *
 * Deleted streams (see StreamDeletedError): a tombstoned stream is refused by the server on reads
 * and appends; a soft-deleted one reads as missing, so a read that finds no stream asks for its
 * metadata (one more round trip, only then) and a forwards read that starts past the revision it
 * asked for has had its history cut (a soft-deleted stream appended to again, $maxCount, $maxAge).
 * A 'no-stream' append is sent blind: the server would append it to a soft-deleted stream at its
 * old last revision + 1, which the answer shows and which is reported, loudly, as a deleted stream.
 */
export class EventStoreDbEventStore implements EventStore {
  private readonly logger = new Logger(EventStoreDbEventStore.name);
  private readonly connection: EventStoreDbConnection;
  private readonly client: EventStoreDbClient;
  private readonly timeoutMs: number;
  private readonly resubscribe: ResubscribeOptions;
  private readonly tails = new StreamTails(RESEND_LOOK_BACK, REMEMBERED_STREAMS);
  private readonly subscriptions = new Set<EventStoreDbCatchUpSubscription>();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: EventStoreDbEventStoreOptions) {
    this.timeoutMs = options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
    assertCount(this.timeoutMs, 'operationTimeoutMs');
    this.resubscribe = { ...DEFAULT_RESUBSCRIBE, ...options.resubscribe };
    // Parses the connection string now, so a malformed one fails at start-up; connects lazily.
    // eventstoredb-tls-probe.ts checks it against the server before the app starts.
    this.connection = parseConnection(options.connectionString);
    this.client = options.client ?? EventStoreDBClient.connectionString(options.connectionString);
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
    if (expected === 'no-stream') return this.appendToNewStream(streamId, serialized);
    if (expected === 'any') return this.appendAny(streamId, serialized);
    return this.appendAt(streamId, serialized, expected);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<EventEnvelope[]> {
    this.assertOpen();
    assertUserStream(streamId);
    const { direction = 'forwards', fromRevision, maxCount } = options;
    if (fromRevision !== undefined) assertRevision(fromRevision, 'fromRevision');
    assertCount(maxCount, 'maxCount');
    if (maxCount === 0) return [];
    const backwards = direction === 'backwards';
    const events = await this.readStreamEnvelopes(streamId, {
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

  private async appendToNewStream(
    streamId: string,
    events: SerializedEvent[],
  ): Promise<AppendResult> {
    const attempt = await this.write(
      streamId,
      events,
      toEsdbExpectedRevision('no-stream'),
      undefined,
    );
    if (!attempt.appended) return this.afterRefusal(streamId, events, 'no-stream');
    const first = attempt.revision - events.length + 1;
    if (first !== 0) {
      // EventStoreDB took 'no-stream' for a soft-deleted stream (IndexWriter.CheckCommit) and
      // wrote at its old last revision + 1: the events are stored, their hashes name revision 0.
      this.logger.error(
        `Stream ${streamId} had been soft-deleted in EventStoreDB and the append expecting no ` +
          `stream was stored at revisions ${first}-${attempt.revision}, not from 0: its hashes ` +
          'name the wrong revisions and verification will flag them',
      );
      throw new StreamDeletedError(streamId, 'it had been soft-deleted, and was appended to anew');
    }
    return this.appended(streamId, events, attempt);
  }

  private async appendAt(
    streamId: string,
    events: SerializedEvent[],
    expected: number,
  ): Promise<AppendResult> {
    const tail =
      this.tails.endingAt(streamId, expected) ?? (await this.readTail(streamId, events.length));
    const resent = findResend(streamId, events, tail);
    if (resent) return this.resendResult(streamId, resent);
    const previous = tail.at(-1);
    if (previous?.revision !== expected) {
      throw new WrongExpectedRevisionError(streamId, expected, lastRevisionOf(tail));
    }
    const attempt = await this.write(streamId, events, toEsdbExpectedRevision(expected), previous);
    if (!attempt.appended) return this.afterRefusal(streamId, events, expected);
    return this.appended(streamId, events, attempt);
  }

  /**
   * 'any' is resolved here rather than sent as ANY: the append expects the revision last seen, so
   * nothing can slip in between the re-send check and the write. Other writers moving the stream
   * cost another round after a jittered, growing pause.
   */
  private async appendAny(streamId: string, events: SerializedEvent[]): Promise<AppendResult> {
    for (let round = 1; ; round++) {
      const tail = await this.readTail(streamId, events.length);
      const resent = findResend(streamId, events, tail);
      if (resent) return this.resendResult(streamId, resent);
      const previous = tail.at(-1);
      const expected = toEsdbExpectedRevision(lastRevisionOf(tail));
      const attempt = await this.write(streamId, events, expected, previous);
      if (attempt.appended) return this.appended(streamId, events, attempt);
      if (round >= ANY_APPEND_ROUNDS) {
        const actual = lastRevisionOf(await this.readTail(streamId, 0));
        throw new WrongExpectedRevisionError(streamId, 'any', actual);
      }
      const ceiling = Math.min(ANY_BACKOFF_MS * 2 ** (round - 1), ANY_MAX_BACKOFF_MS);
      await sleep(ceiling / 2 + Math.random() * (ceiling / 2));
    }
  }

  /**
   * EventStoreDB refused the append: the stream's last events say whether it was a re-send made
   * at another revision, and which revision the stream is at. The refusal's own current revision
   * is not used: with throwOnAppendFailure=false in the connection string, client 6.2.1 reports
   * it as BigInt(hasCurrentStreamRevision()), 1 or 0 (streams/appendToStream/batchAppend.ts).
   */
  private async afterRefusal(
    streamId: string,
    events: SerializedEvent[],
    expected: number | 'no-stream',
  ): Promise<AppendResult> {
    const tail = await this.readTail(streamId, events.length);
    const resent = findResend(streamId, events, tail);
    if (resent) return this.resendResult(streamId, resent);
    throw new WrongExpectedRevisionError(streamId, expected, lastRevisionOf(tail));
  }

  private async write(
    streamId: string,
    events: SerializedEvent[],
    expected: AppendExpectedRevision,
    previous: TailEvent | undefined,
  ): Promise<Attempt> {
    const firstRevision = previous === undefined ? 0 : previous.revision + 1;
    const proposed = toProposedEvents(
      streamId,
      events,
      firstRevision,
      previous?.hash ?? GENESIS_HASH,
      recordingTime(previous),
    );
    return this.tryAppend(streamId, proposed, expected);
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
          credentials: this.connection.appendCredentials,
        }),
        this.timeoutMs,
        operation,
      );
      // With throwOnAppendFailure=false in the connection string a refusal is a result.
      if (!result.success) return { appended: false };
      return {
        appended: true,
        revision: Number(result.nextExpectedRevision),
        // For an append, commit = prepare = the last event's own position (KurrentDB
        // RequestManager WriteEvents answers its last prepare's log position for both).
        position: result.position === undefined ? undefined : Number(result.position.prepare),
      };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) return { appended: false };
      // The append may have been written; what this process knows of the stream may be stale.
      this.tails.forget(streamId);
      throw toStreamError(error, streamId, operation);
    }
  }

  /**
   * The result of an append that EventStoreDB accepted (or recognised as a re-send made with the
   * same expected revision) with the stream's last revision at `revision`.
   */
  private async appended(
    streamId: string,
    events: SerializedEvent[],
    attempt: Extract<Attempt, { appended: true }>,
  ): Promise<AppendResult> {
    const { revision } = attempt;
    const position = attempt.position ?? (await this.positionAt(streamId, revision));
    const first = revision - events.length + 1;
    this.tails.remember(
      streamId,
      events.map((event, index) => ({
        eventId: event.eventId,
        revision: first + index,
        position: index === events.length - 1 ? position : undefined,
      })),
    );
    return { revision, position };
  }

  private async resendResult(
    streamId: string,
    resent: { revision: number; position?: number },
  ): Promise<AppendResult> {
    const position = resent.position ?? (await this.positionAt(streamId, resent.revision));
    return { revision: resent.revision, position };
  }

  /**
   * The position of the event at `revision`, for the rare answers that carry none: an append
   * answered with no position (servers before 22.10), or a re-send of an event that was not the
   * last of the append this process made.
   */
  private async positionAt(streamId: string, revision: number): Promise<number> {
    const [stored] = await this.readStreamEnvelopes(streamId, {
      direction: FORWARDS,
      fromRevision: BigInt(revision),
      maxCount: 1,
      requiresLeader: true,
    });
    if (stored?.revision !== revision) {
      throw new Error(`Stream ${streamId}: revision ${revision} is not there to be read back`);
    }
    return stored.position;
  }

  /** The stream's last events, oldest first: enough to recognise a re-send of `count` events. */
  private async readTail(streamId: string, count: number): Promise<TailEvent[]> {
    const newestFirst = await this.readStreamEnvelopes(streamId, {
      direction: BACKWARDS,
      fromRevision: END,
      maxCount: RESEND_LOOK_BACK + count,
      requiresLeader: true,
    });
    const tail = tailOf(newestFirst.reverse());
    this.tails.remember(streamId, tail);
    return tail;
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
      if (error instanceof StreamNotFoundError) {
        await this.assertNotSoftDeleted(streamId);
        return [];
      }
      throw toStreamError(error, streamId, operation);
    }
    return read.flatMap(({ event }) => (event ? [toEnvelope(event)] : []));
  }

  /** A soft-deleted stream reads as missing (KurrentDB IndexReader); its metadata tells. */
  private async assertNotSoftDeleted(streamId: string): Promise<void> {
    const operation = `read metadata of ${streamId}`;
    let truncateBefore: unknown;
    try {
      const { metadata } = await withDeadline(
        this.client.getStreamMetadata(streamId, { deadline: this.timeoutMs }),
        this.timeoutMs,
        operation,
      );
      truncateBefore = metadata?.truncateBefore;
    } catch (error) {
      throw toStreamError(error, streamId, operation);
    }
    if (isSoftDeleteMark(truncateBefore)) {
      this.tails.forget(streamId);
      throw new StreamDeletedError(streamId, 'EventStoreDB soft-deleted it');
    }
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
