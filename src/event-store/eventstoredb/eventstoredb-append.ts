import { NO_STREAM, type AppendExpectedRevision } from '@eventstore/db-client';
import type { NewEvent } from '../event-envelope';
import { PartialDuplicateAppendError } from '../event-store.errors';
import type { ExpectedRevision } from '../expected-revision';
import type { TailEvent } from './eventstoredb-stream-tails';

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

export function lastRevisionOf(stream: Pick<TailEvent, 'revision'>[]): number | 'no-stream' {
  return stream.length === 0 ? 'no-stream' : stream[stream.length - 1].revision;
}

/** The stored event a re-sent append answers with: its last event. */
export type Resent = Pick<TailEvent, 'revision' | 'position'>;

/**
 * Decides, from events stored in the stream, whether an append repeats earlier events: all of its
 * ids stored there, in order and at consecutive revisions, is a re-send and gets the original
 * answer (the last re-sent event); none of them is a new append (undefined); anything between is
 * a caller bug. Only the given events are searched: the caller says which part of which stream.
 */
export function findResend(
  streamId: string,
  events: Pick<NewEvent, 'eventId'>[],
  stream: Pick<TailEvent, 'eventId' | 'revision' | 'position'>[],
): Resent | undefined {
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
