/** RFC 9457 problem details, with our stable machine-readable `code`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance?: string;
  /** Validation failures: one entry per bad field. */
  errors?: { field: string; messages: string[] }[];
  /** Readiness failures: the health report, naming every check. */
  checks?: unknown;
}

/** An HTTP-level refusal raised by our own code (not the domain's). */
export class ProblemError extends Error {
  readonly errors?: Problem['errors'];
  readonly headers?: Record<string, string>;

  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    extra: { errors?: Problem['errors']; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.errors = extra.errors;
    this.headers = extra.headers;
    this.name = 'ProblemError';
  }
}
