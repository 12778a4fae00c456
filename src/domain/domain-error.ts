/**
 * A command the domain refuses. The code is stable and machine-readable; which status it answers
 * with is decided outside the domain, in src/problems/problem-catalog.ts.
 */
export type DomainErrorCode =
  | 'ACCOUNT_NOT_FOUND'
  | 'ACCOUNT_ALREADY_EXISTS'
  | 'ACCOUNT_CLOSED'
  | 'INSUFFICIENT_FUNDS'
  | 'CURRENCY_MISMATCH'
  | 'UNSUPPORTED_CURRENCY'
  | 'INVALID_AMOUNT'
  | 'AMOUNT_OUT_OF_RANGE'
  | 'INVALID_OVERDRAFT_LIMIT'
  | 'BALANCE_NOT_ZERO'
  | 'TRANSFER_IN_FLIGHT'
  | 'SAME_ACCOUNT_TRANSFER'
  | 'TRANSFER_NOT_FOUND'
  | 'TRANSFER_ALREADY_EXISTS'
  | 'INVALID_TRANSFER_STATE';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
