import { LedgerError } from '../problems/ledger-error';
import type { StorageFault, StorageFaultReason } from '../storage/storage-fault';
import type { ExpectedRevision } from './expected-revision';

/** The stream moved on since the caller read it. */
export class WrongExpectedRevisionError extends LedgerError {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no-stream',
  ) {
    super(
      'CONCURRENCY_CONFLICT',
      `Stream ${streamId}: expected revision ${expected}, actual ${actual}`,
    );
    this.name = 'WrongExpectedRevisionError';
  }
}

/** Some, but not all, event ids of an append were already stored: it is not a re-send. */
export class PartialDuplicateAppendError extends LedgerError {
  constructor(readonly streamId: string) {
    super(
      'CONCURRENCY_CONFLICT',
      `Stream ${streamId}: append repeats some stored event ids but not all`,
    );
    this.name = 'PartialDuplicateAppendError';
  }
}

/** The store cannot do it now; callers answer 503 rather than wait. Nothing was written. */
export class EventStoreUnavailableError extends LedgerError implements StorageFault {
  readonly reason: StorageFaultReason;

  constructor(message: string, options: { cause?: unknown; reason?: StorageFaultReason } = {}) {
    super('STORE_UNAVAILABLE', message, options);
    this.name = 'EventStoreUnavailableError';
    this.reason = options.reason ?? 'unreachable';
  }
}

/**
 * The stream was deleted, or its history cut short, by something other than Ledgerline (an
 * EventStoreDB soft delete, tombstone, $maxCount, $maxAge or $tb): what is left of it no longer
 * adds up to its state, so it is neither read nor appended to. The embedded store deletes nothing
 * and never throws this.
 */
export class StreamDeletedError extends LedgerError {
  constructor(
    readonly streamId: string,
    reason: string,
  ) {
    super('STREAM_DELETED', `Stream ${streamId} is deleted in the event store: ${reason}`);
    this.name = 'StreamDeletedError';
  }
}

/** A read or subscription of the global log was asked to start at a position the store never handed out. */
export class InvalidPositionError extends LedgerError {
  constructor(
    readonly position: number,
    options?: { cause?: unknown },
  ) {
    super(
      'INVALID_POSITION',
      `Position ${position} is not one this event store handed out: start from 0 or from the ` +
        'position of an event it returned',
      options,
    );
    this.name = 'InvalidPositionError';
  }
}
