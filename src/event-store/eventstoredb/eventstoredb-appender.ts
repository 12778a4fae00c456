import {
  WrongExpectedVersionError,
  type AppendExpectedRevision,
  type Credentials,
  type JSONEventData,
} from '@eventstore/db-client';
import type { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { GENESIS_HASH } from '../event-envelope';
import { StreamDeletedError, WrongExpectedRevisionError } from '../event-store.errors';
import type { AppendResult } from '../event-store.port';
import type { ExpectedRevision } from '../expected-revision';
import {
  findResend,
  lastRevisionOf,
  toEsdbExpectedRevision,
  type Resent,
} from './eventstoredb-append';
import type { EventStoreDbClient } from './eventstoredb-connection';
import { toStreamError, withDeadline } from './eventstoredb-errors';
import { toProposedEvents, type SerializedEvent } from './eventstoredb-events';
import type { EventStoreDbStreamReader } from './eventstoredb-stream-reader';
import type { StreamTails, TailEvent } from './eventstoredb-stream-tails';

/** Rounds of an 'any' append while other writers keep moving the stream, with jittered back-off. */
const ANY_APPEND_ROUNDS = 8;
const ANY_BACKOFF_MS = 5;
const ANY_MAX_BACKOFF_MS = 200;

type Attempt =
  { appended: true; revision: number; position: number | undefined } | { appended: false };

export interface AppenderDependencies {
  client: EventStoreDbClient;
  reader: EventStoreDbStreamReader;
  tails: StreamTails;
  timeoutMs: number;
  /** See EventStoreDbConnection.appendCredentials: they keep appends off BatchAppend. */
  credentials: Credentials;
  logger: Logger;
}

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

/**
 * Appends to EventStoreDB, one round trip when this process knows the stream's last events (it
 * read the stream to its end, as a command does before deciding): it chains to the last one's hash
 * and takes the new position from the server's answer. Otherwise it first reads the stream's last
 * events (StreamTails.window of them, one page backwards), never the whole stream.
 *
 * Re-sent appends (all ids stored in the stream, in order) get the original result:
 * - with the original expected revision, EventStoreDB answers so itself (it compares ids when the
 *   expected revision is behind the stream's);
 * - at the stream's current revision, where EventStoreDB would write them again (KurrentDB
 *   IndexWriter.CheckCommit compares ids after the expected revision only), and after a refusal,
 *   from the stream's last events, known or read in one page. That page is the cost: none when
 *   the tail is known, one read of up to window + n events otherwise, and one on every refusal.
 *   Originals further back are not found (see RESEND_LOOK_BACK); ids stored in another stream
 *   are not looked for.
 *
 * Deleted streams: a tombstoned stream is refused by the server. A 'no-stream' append is sent
 * blind, and the server appends it to a soft-deleted stream at its old last revision + 1, which the
 * answer shows and which is reported, loudly, as a deleted stream; reads find soft-deleted streams
 * first (EventStoreDbStreamReader), so this takes a delete between a command's read and its
 * append. An append that expects the last revision of a soft-deleted stream, from a process that
 * still knows its tail, is accepted by the server, which then hides the earlier events; the next
 * read of the stream refuses it as cut short.
 */
export class EventStoreDbAppender {
  constructor(private readonly deps: AppenderDependencies) {}

  append(
    streamId: string,
    events: SerializedEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    if (expected === 'no-stream') return this.appendToNewStream(streamId, events);
    if (expected === 'any') return this.appendAny(streamId, events);
    return this.appendAt(streamId, events, expected);
  }

  private async appendToNewStream(
    streamId: string,
    events: SerializedEvent[],
  ): Promise<AppendResult> {
    const attempt = await this.write(streamId, events, toEsdbExpectedRevision('no-stream'));
    if (!attempt.appended) return this.afterRefusal(streamId, events, 'no-stream');
    const first = attempt.revision - events.length + 1;
    if (first !== 0) {
      // EventStoreDB took 'no-stream' for a soft-deleted stream (IndexWriter.CheckCommit) and
      // wrote at its old last revision + 1: the events are stored, their hashes name revision 0.
      this.deps.logger.error(
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
    const { tails, reader } = this.deps;
    const tail = tails.endingAt(streamId, expected) ?? (await reader.tail(streamId, events.length));
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
      const tail = await this.deps.reader.tail(streamId, events.length);
      const resent = findResend(streamId, events, tail);
      if (resent) return this.resendResult(streamId, resent);
      const expected = toEsdbExpectedRevision(lastRevisionOf(tail));
      const attempt = await this.write(streamId, events, expected, tail.at(-1));
      if (attempt.appended) return this.appended(streamId, events, attempt);
      if (round >= ANY_APPEND_ROUNDS) {
        const actual = lastRevisionOf(await this.deps.reader.tail(streamId, 0));
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
    const tail = await this.deps.reader.tail(streamId, events.length);
    const resent = findResend(streamId, events, tail);
    if (resent) return this.resendResult(streamId, resent);
    throw new WrongExpectedRevisionError(streamId, expected, lastRevisionOf(tail));
  }

  private write(
    streamId: string,
    events: SerializedEvent[],
    expected: AppendExpectedRevision,
    previous?: TailEvent,
  ): Promise<Attempt> {
    const proposed = toProposedEvents(
      streamId,
      events,
      previous === undefined ? 0 : previous.revision + 1,
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
    const { client, timeoutMs, credentials } = this.deps;
    const operation = `append to ${streamId}`;
    try {
      const result = await withDeadline(
        client.appendToStream(streamId, proposed, {
          expectedRevision,
          deadline: timeoutMs,
          credentials,
        }),
        timeoutMs,
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
      this.deps.tails.forget(streamId);
      throw toStreamError(error, streamId, operation);
    }
  }

  /**
   * The result of an append that EventStoreDB accepted (or recognised as a re-send made with the
   * same expected revision) with the stream's last revision at `revision`. Servers before 22.10
   * answer without a position, which is then read back.
   */
  private async appended(
    streamId: string,
    events: SerializedEvent[],
    attempt: Extract<Attempt, { appended: true }>,
  ): Promise<AppendResult> {
    const { revision } = attempt;
    const position = attempt.position ?? (await this.deps.reader.positionAt(streamId, revision));
    const first = revision - events.length + 1;
    this.deps.tails.remember(
      streamId,
      events.map((event, index) => ({
        eventId: event.eventId,
        revision: first + index,
        position: index === events.length - 1 ? position : undefined,
      })),
    );
    return { revision, position };
  }

  /** A re-send of events not last in the append this process made has no position here yet. */
  private async resendResult(streamId: string, resent: Resent): Promise<AppendResult> {
    const position =
      resent.position ?? (await this.deps.reader.positionAt(streamId, resent.revision));
    return { revision: resent.revision, position };
  }
}
