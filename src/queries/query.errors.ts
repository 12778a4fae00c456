import { LedgerError } from '../problems/ledger-error';

/** The asked-for resource is not in the read model (or, later, not visible to the caller). */
export class NotFoundInReadModelError extends LedgerError {
  constructor(code: 'ACCOUNT_NOT_FOUND' | 'TRANSFER_NOT_FOUND', message: string) {
    super(code, message);
    this.name = 'NotFoundInReadModelError';
  }
}

/** Shared by every paged endpoint, whatever its kind of cursor. */
export class InvalidCursorError extends LedgerError {
  constructor() {
    super('INVALID_CURSOR', 'cursor is not one this API issued');
    this.name = 'InvalidCursorError';
  }
}

/** Read models did not reach the asked-for position in time. */
export class ConsistencyTimeoutError extends LedgerError {
  constructor(
    readonly position: number,
    timeoutMs: number,
  ) {
    super(
      'CONSISTENCY_TIMEOUT',
      `Read models have not applied position ${position} after ${timeoutMs} ms; retry later`,
    );
    this.name = 'ConsistencyTimeoutError';
  }
}
