import { DomainError } from './domain-error';

/**
 * The ledger holds integers of minor units from -MAX_MINOR_UNITS to +MAX_MINOR_UNITS: every amount,
 * balance and limit is a JavaScript number (and a JSON number on the wire) that is exactly the
 * integer it stands for. Sums are worked out exactly and refused when they would leave the range,
 * so that no rounding can ever make or lose money.
 */
export const MAX_MINOR_UNITS = Number.MAX_SAFE_INTEGER;

const MAX = BigInt(MAX_MINOR_UNITS);

/** Amounts are positive integer minor units within the range. */
export function assertPositiveAmount(amount: number): void {
  if (!Number.isInteger(amount) || amount <= 0) {
    throw new DomainError(
      'INVALID_AMOUNT',
      `Amount must be a positive integer of minor units, got ${amount}`,
    );
  }
  assertInRange(amount, 'Amount');
}

/** Overdraft limits are integers >= 0 within the range. */
export function assertOverdraftLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 0) {
    throw new DomainError(
      'INVALID_OVERDRAFT_LIMIT',
      `Overdraft limit must be an integer >= 0 of minor units, got ${limit}`,
    );
  }
  assertInRange(limit, 'Overdraft limit');
}

/**
 * `balance + change`, exactly, or a refusal when the result would leave the range. `reserved` is
 * money that may still come back to the account (debits of transfers in flight, refunded if the
 * credit is refused): it must fit too, so that a refund never has to be refused.
 */
export function balanceAfter(
  balance: number,
  change: number,
  reserved: readonly number[] = [],
): number {
  const after = BigInt(balance) + BigInt(change);
  const held = reserved.reduce((sum, amount) => sum + BigInt(amount), 0n);
  if (after > MAX || after < -MAX || (change > 0 && after + held > MAX)) {
    const inFlight = held > 0n ? ` with ${held} in flight` : '';
    throw new DomainError(
      'AMOUNT_OUT_OF_RANGE',
      `A balance of ${balance} changed by ${change}${inFlight} would leave the range of ` +
        `±${MAX_MINOR_UNITS} minor units`,
    );
  }
  return Number(after);
}

/** Whether `balance - amount` stays at or above `-overdraftLimit`, compared exactly. */
export function covers(balance: number, overdraftLimit: number, amount: number): boolean {
  return BigInt(balance) - BigInt(amount) >= -BigInt(overdraftLimit);
}

function assertInRange(value: number, what: string): void {
  if (!Number.isSafeInteger(value)) {
    throw new DomainError(
      'AMOUNT_OUT_OF_RANGE',
      `${what} ${value} is beyond ${MAX_MINOR_UNITS}, the largest the ledger holds exactly`,
    );
  }
}

const knownCurrencies = new Set(Intl.supportedValuesOf('currency'));

export function assertKnownCurrency(currency: string): void {
  if (!knownCurrencies.has(currency)) {
    throw new DomainError('UNSUPPORTED_CURRENCY', `${currency} is not an ISO-4217 currency code`);
  }
}
