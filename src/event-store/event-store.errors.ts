import type { ExpectedRevision } from './expected-revision';

/** The stream moved on since the caller read it. */
export class WrongExpectedRevisionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no-stream',
  ) {
    super(`Stream ${streamId}: expected revision ${expected}, actual ${actual}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

/** Some, but not all, event ids of an append were already stored: it is not a re-send. */
export class PartialDuplicateAppendError extends Error {
  constructor(readonly streamId: string) {
    super(`Stream ${streamId}: append repeats some stored event ids but not all`);
    this.name = 'PartialDuplicateAppendError';
  }
}

/** The store cannot be reached; callers answer 503 rather than wait. */
export class EventStoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventStoreUnavailableError';
  }
}
