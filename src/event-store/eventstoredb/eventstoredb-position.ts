import { START, type Position, type ReadPosition } from '@eventstore/db-client';

/**
 * How this adapter turns EventStoreDB's $all position, a (commit, prepare) pair of byte offsets
 * into the transaction log, into the port's single number, and back.
 *
 * The port's position is the event's prepare position: the log offset at which its own record
 * starts. No two records start at the same offset, so it is unique per event, and it is never 0
 * for a user event (the log opens with the database's own records). EventStoreDB orders $all by
 * (commit, prepare). For every event appended through gRPC the server writes one self-committing
 * prepare record per event and reports commit = prepare, so ordering by prepare alone is $all
 * order. Where commit and prepare do differ (the commit of a multi-event transaction sits after
 * its prepares, as for the explicit transactions of the legacy TCP API), the single writer still
 * lays a transaction's prepares out together, so prepare order stays $all order; only explicit
 * transactions interleaved with other writes break it, and the readers reject out-of-order
 * positions instead of handing them on (see the adapter).
 *
 * The commit position is not used: in the commit-record layout several events of one append
 * share it, so it is not strictly increasing per event.
 *
 * Going back, `after = p` becomes Position { commit: p, prepare: p }. Every event after p in
 * $all order sits at or after that point in both layouts, and events at or before p that a read
 * from there may still return are dropped by position, so "strictly after p" round-trips. A
 * number that is not 0 and not a position this adapter returned may not point at a record
 * boundary; EventStoreDB rejects such a read.
 */

/** Largest log offset a JavaScript number holds exactly: 8 PiB, far beyond any real log. */
const MAX_POSITION = BigInt(Number.MAX_SAFE_INTEGER);

/** An event of this kind carried no usable position (old server or legacy transaction). */
export class EventStoreDbPositionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventStoreDbPositionError';
  }
}

/** The port's position of an event EventStoreDB returned. */
export function toLedgerPosition(position: Position | undefined, eventId: string): number {
  // Servers before 22.6 (and any server, for events of explicit transactions) send no position
  // on stream reads; the client then reports none, or 2^64 - 1 for "no position".
  if (position === undefined || position.prepare > MAX_POSITION) {
    throw new EventStoreDbPositionError(
      `EventStoreDB sent no $all position for event ${eventId}: stream reads carry one from ` +
        'EventStoreDB 22.6 on, and only for events not written in an explicit transaction',
    );
  }
  if (position.prepare <= BigInt(0)) {
    throw new EventStoreDbPositionError(
      `EventStoreDB sent position ${position.prepare} for event ${eventId}; positions start at 1`,
    );
  }
  return Number(position.prepare);
}

/** Where to start reading or subscribing to $all for the events strictly after `after`. */
export function fromLedgerPosition(after: number): ReadPosition {
  if (!Number.isSafeInteger(after) || after < 0) {
    throw new RangeError(`A position is a non-negative safe integer, not ${after}`);
  }
  if (after === 0) return START;
  const offset = BigInt(after);
  return { commit: offset, prepare: offset };
}
