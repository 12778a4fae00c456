import {
  NO_STREAM,
  type AppendExpectedRevision,
  type CurrentRevision,
} from '@eventstore/db-client';
import type { EventEnvelope, NewEvent } from '../event-envelope';
import { PartialDuplicateAppendError } from '../event-store.errors';
import type { AppendResult } from '../event-store.port';
import type { ExpectedRevision } from '../expected-revision';

/** A revision the caller can mean: a safe, non-negative integer. */
export function assertRevision(revision: number, what: string): void {
  if (!Number.isSafeInteger(revision) || revision < 0) {
    throw new RangeError(`${what} is a non-negative safe integer, not ${revision}`);
  }
}

export function assertExpectedRevision(expected: ExpectedRevision): void {
  if (expected === 'any' || expected === 'no-stream') return;
  assertRevision(expected, 'An expected revision');
}

/**
 * The port's expected revision as EventStoreDB's. 'any' has no counterpart here on purpose: the
 * adapter never sends ANY, whose duplicate detection the server only does on a best-effort basis
 * (it looks the ids up in a cache). It resolves 'any' to the revision it has just read instead.
 */
export function toEsdbExpectedRevision(expected: number | 'no-stream'): AppendExpectedRevision {
  return expected === 'no-stream' ? NO_STREAM : BigInt(expected);
}

/** EventStoreDB's current revision (a bigint, "no_stream" or -1 for a missing stream). */
export function fromCurrentRevision(current: CurrentRevision): number | 'no-stream' {
  if (current === NO_STREAM || current < BigInt(0)) return 'no-stream';
  return Number(current);
}

export function lastRevisionOf(stream: Pick<EventEnvelope, 'revision'>[]): number | 'no-stream' {
  return stream.length === 0 ? 'no-stream' : stream[stream.length - 1].revision;
}

/**
 * Decides, from the events stored in the stream, whether an append repeats earlier events: all
 * of its ids stored there, in order and at consecutive revisions, is a re-send and gets the
 * original answer; none of them is a new append (undefined); anything between is a caller bug.
 * Only this stream is searched: an id stored in another stream goes unnoticed.
 */
export function findResend(
  streamId: string,
  events: Pick<NewEvent, 'eventId'>[],
  stream: Pick<EventEnvelope, 'eventId' | 'revision' | 'position'>[],
): AppendResult | undefined {
  const byId = new Map(stream.map((event) => [event.eventId, event]));
  const stored = events.flatMap((event) => {
    const found = byId.get(event.eventId);
    return found ? [found] : [];
  });
  if (stored.length === 0) return undefined;

  const first = stored[0];
  const isResend =
    stored.length === events.length &&
    stored.every((event, index) => event.revision === first.revision + index);
  if (!isResend) throw new PartialDuplicateAppendError(streamId);
  const last = stored[stored.length - 1];
  return { revision: last.revision, position: last.position };
}
