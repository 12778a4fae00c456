import { LedgerError } from '../problems/ledger-error';
import type { StorageFault, StorageFaultReason } from '../storage/storage-fault';

export class DuplicateKeyError extends Error {
  constructor(
    readonly collection: string,
    readonly key: string,
  ) {
    super(`Duplicate key in ${collection}: ${key}`);
    this.name = 'DuplicateKeyError';
  }
}

/** The store cannot do it now; callers answer 503 rather than wait. */
export class ReadStoreUnavailableError extends LedgerError implements StorageFault {
  readonly reason: StorageFaultReason;

  constructor(message: string, options: { cause?: unknown; reason?: StorageFaultReason } = {}) {
    super('STORE_UNAVAILABLE', message, options);
    this.name = 'ReadStoreUnavailableError';
    this.reason = options.reason ?? 'unreachable';
  }
}
