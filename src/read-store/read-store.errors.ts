import { LedgerError } from '../problems/ledger-error';

export class DuplicateKeyError extends Error {
  constructor(
    readonly collection: string,
    readonly key: string,
  ) {
    super(`Duplicate key in ${collection}: ${key}`);
    this.name = 'DuplicateKeyError';
  }
}

/** The store cannot be reached; callers answer 503 rather than wait. */
export class ReadStoreUnavailableError extends LedgerError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('STORE_UNAVAILABLE', message, options);
    this.name = 'ReadStoreUnavailableError';
  }
}
