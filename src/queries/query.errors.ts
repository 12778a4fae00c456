/** The asked-for resource is not in the read model (or, later, not visible to the caller). */
export class NotFoundInReadModelError extends Error {
  constructor(
    readonly code: 'ACCOUNT_NOT_FOUND' | 'TRANSFER_NOT_FOUND',
    message: string,
  ) {
    super(message);
    this.name = 'NotFoundInReadModelError';
  }
}

export class InvalidCursorError extends Error {
  constructor() {
    super('cursor is not one this API issued');
    this.name = 'InvalidCursorError';
  }
}

/** Read models did not reach the asked-for position in time. */
export class ConsistencyTimeoutError extends Error {
  constructor(
    readonly position: number,
    timeoutMs: number,
  ) {
    super(`Read models have not applied position ${position} after ${timeoutMs} ms; retry later`);
    this.name = 'ConsistencyTimeoutError';
  }
}
