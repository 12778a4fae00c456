import { LedgerError } from '../problems/ledger-error';

/** If-Match named a revision the stream has moved past (or not reached). */
export class RevisionMismatchError extends LedgerError {
  constructor(
    readonly streamId: string,
    readonly expected: number,
    readonly actual: number | 'no-stream',
  ) {
    super('REVISION_MISMATCH', `${streamId} is at revision ${actual}, not ${expected}`);
    this.name = 'RevisionMismatchError';
  }
}

/** Optimistic concurrency kept failing after the bounded retries. */
export class ConcurrencyConflictError extends LedgerError {
  constructor(
    readonly streamId: string,
    attempts: number,
  ) {
    super(
      'CONCURRENCY_CONFLICT',
      `${streamId} kept changing; gave up after ${attempts} attempts, try again`,
    );
    this.name = 'ConcurrencyConflictError';
  }
}

/** The caller's roles do not allow this command, whatever account it names. */
export class CommandNotPermittedError extends LedgerError {
  constructor(code: 'FORBIDDEN' | 'OVERDRAFT_NOT_PERMITTED', message: string) {
    super(code, message);
    this.name = 'CommandNotPermittedError';
  }
}
