/**
 * Why a store cannot do what was asked, as every adapter reports it and the HTTP layer answers
 * it. Classified once, where the driver's error is caught (see storage/embedded/sqlite-fault.ts).
 */
export type StorageFaultReason =
  /** Another process holds the write lock past the wait bound. */
  | 'busy'
  /** The disk (or a file-size limit) has no room for the write. */
  | 'full'
  /** The files or their folder cannot be written. */
  | 'read-only'
  /** SQLite found the file damaged, or it is not a database. */
  | 'corrupt'
  /** The open files are no longer the ones on disk (the data folder was deleted or replaced). */
  | 'vanished'
  /** The store was closed, or its writer stopped. */
  | 'closed'
  /** A store server did not answer. */
  | 'unreachable';

/**
 * Seconds a client should wait before retrying, where a retry can succeed without an operator:
 * a lock is released, space is freed, a server comes back. The others need someone to act.
 */
export const RETRY_AFTER_SECONDS: Record<StorageFaultReason, number | undefined> = {
  busy: 1,
  full: 10,
  'read-only': undefined,
  corrupt: undefined,
  vanished: undefined,
  closed: 1,
  unreachable: 2,
};

/** Implemented by the store errors that callers answer with 503. */
export interface StorageFault {
  readonly reason: StorageFaultReason;
}

export function isStorageFault(error: unknown): error is Error & StorageFault {
  return (
    error instanceof Error &&
    typeof (error as Partial<StorageFault>).reason === 'string' &&
    (error as Partial<StorageFault>).reason! in RETRY_AFTER_SECONDS
  );
}

/** Faults that pass by themselves; a consumer waits them out instead of giving up. */
export function isTransientFault(error: unknown): boolean {
  return isStorageFault(error) && RETRY_AFTER_SECONDS[error.reason] !== undefined;
}
