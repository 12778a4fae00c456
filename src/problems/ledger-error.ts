import type { ProblemCode } from './problem-catalog';

/** One bad field of a request, by its dotted path. */
export interface FieldError {
  field: string;
  messages: string[];
}

/**
 * A refusal raised outside the domain (commands, queries, stores, analytics, audit, auth, the
 * HTTP pipes). It carries only its code and a human message; the status, title and headers come
 * from the problem catalog when the HTTP layer answers.
 */
export class LedgerError extends Error {
  readonly errors?: FieldError[];

  constructor(
    readonly code: ProblemCode,
    detail: string,
    options: { errors?: FieldError[]; cause?: unknown } = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LedgerError';
    if (options.errors) this.errors = options.errors;
  }
}
