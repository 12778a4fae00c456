import type { DomainErrorCode } from '../domain/domain-error';

/**
 * Every refusal the ledger can give: a stable code, the HTTP status it answers with and a title.
 * The problem-details filter and the OpenAPI document both read this table, so an answer and its
 * description cannot drift apart. A new refusal is one line here (and, if it comes from the
 * domain, one member of DomainErrorCode, which the compiler then asks for here).
 */
export interface ProblemSpec {
  readonly status: number;
  readonly title: string;
}

/** The domain names its refusals; which status each one answers with is decided here. */
const DOMAIN_PROBLEMS: Record<DomainErrorCode, ProblemSpec> = {
  ACCOUNT_NOT_FOUND: { status: 404, title: 'No such account' },
  TRANSFER_NOT_FOUND: { status: 404, title: 'No such transfer' },
  ACCOUNT_ALREADY_EXISTS: { status: 409, title: 'The account already exists' },
  TRANSFER_ALREADY_EXISTS: { status: 409, title: 'The transfer already exists' },
  INVALID_TRANSFER_STATE: { status: 409, title: 'The transfer cannot take this step now' },
  ACCOUNT_CLOSED: { status: 422, title: 'The account is closed' },
  INSUFFICIENT_FUNDS: { status: 422, title: 'Insufficient funds' },
  CURRENCY_MISMATCH: { status: 422, title: 'The currencies differ' },
  UNSUPPORTED_CURRENCY: { status: 422, title: 'Unsupported currency' },
  INVALID_AMOUNT: { status: 422, title: 'Invalid amount' },
  AMOUNT_OUT_OF_RANGE: { status: 422, title: 'Beyond the amounts the ledger holds exactly' },
  INVALID_OVERDRAFT_LIMIT: { status: 422, title: 'Invalid overdraft limit' },
  BALANCE_NOT_ZERO: { status: 422, title: 'The balance is not zero' },
  TRANSFER_IN_FLIGHT: { status: 422, title: 'A transfer is still in flight' },
  SAME_ACCOUNT_TRANSFER: { status: 422, title: 'A transfer needs two accounts' },
};

export const PROBLEMS = {
  ...DOMAIN_PROBLEMS,
  // The request itself
  VALIDATION_FAILED: { status: 400, title: 'The request is not valid' },
  MALFORMED_JSON: { status: 400, title: 'The body is not JSON' },
  JSON_TOO_DEEP: { status: 400, title: 'The JSON is nested too deeply' },
  MALFORMED_URL: { status: 400, title: 'The URL is not valid' },
  INVALID_ENCODING: { status: 400, title: 'The body is not UTF-8' },
  REQUEST_ABORTED: { status: 400, title: 'The request was aborted' },
  INVALID_ID: { status: 400, title: 'Invalid id' },
  INVALID_STREAM_ID: { status: 400, title: 'Invalid stream id' },
  INVALID_CORRELATION_ID: { status: 400, title: 'Invalid correlation id' },
  INVALID_CURSOR: { status: 400, title: 'Invalid cursor' },
  INVALID_POSITION: { status: 400, title: 'Not a position this event store handed out' },
  INVALID_IF_MATCH: { status: 400, title: 'Invalid If-Match' },
  INVALID_IDEMPOTENCY_KEY: { status: 400, title: 'Invalid Idempotency-Key' },
  INVALID_SUBJECT: { status: 400, title: 'Invalid data subject' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The body is too large' },
  UNSUPPORTED_CHARSET: { status: 415, title: 'Unsupported charset' },
  UNSUPPORTED_ENCODING: { status: 415, title: 'Unsupported content encoding' },
  NOT_ACCEPTABLE: { status: 406, title: 'No acceptable media type' },
  ROUTE_NOT_FOUND: { status: 404, title: 'No such route' },
  // Who asks
  UNAUTHENTICATED: { status: 401, title: 'A bearer token is required' },
  INVALID_TOKEN: { status: 401, title: 'The token is not valid' },
  FORBIDDEN: { status: 403, title: 'Not allowed for this caller' },
  OVERDRAFT_NOT_PERMITTED: { status: 403, title: 'Only a teller grants credit' },
  ACCOUNT_ID_NOT_PERMITTED: { status: 403, title: 'Only a teller chooses account ids' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  // Reads and history
  STREAM_NOT_FOUND: { status: 404, title: 'No such stream' },
  CORRELATION_NOT_FOUND: { status: 404, title: 'No such correlation id' },
  STREAM_DELETED: { status: 410, title: 'The stream was deleted in the event store' },
  PROJECTION_NOT_FOUND: { status: 404, title: 'No such projection' },
  ANCHOR_NOT_FOUND: { status: 404, title: 'The stream has no anchor yet' },
  // Concurrency and repeats
  CONCURRENCY_CONFLICT: { status: 409, title: 'The stream kept changing' },
  IDEMPOTENCY_KEY_REUSED: { status: 409, title: 'Idempotency-Key used for another request' },
  REBUILD_IN_PROGRESS: { status: 409, title: 'A rebuild is already under way' },
  REVISION_MISMATCH: { status: 412, title: 'The stream is at another revision' },
  // The system
  STORE_UNAVAILABLE: { status: 503, title: 'A store is unavailable' },
  CONSISTENCY_TIMEOUT: { status: 503, title: 'The read models are behind' },
  NOT_READY: { status: 503, title: 'Not ready' },
  INTERNAL_ERROR: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, ProblemSpec>;

export type ProblemCode = keyof typeof PROBLEMS;

export const PROBLEM_CODES = Object.keys(PROBLEMS) as ProblemCode[];

export function isProblemCode(code: string): code is ProblemCode {
  return Object.hasOwn(PROBLEMS, code);
}
