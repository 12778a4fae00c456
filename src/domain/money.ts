import { DomainError } from './domain-error';

/** Amounts are integer minor units: positive and exactly representable, never fractional. */
export function assertPositiveAmount(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw new DomainError(
      'INVALID_AMOUNT',
      `Amount must be a positive safe integer of minor units, got ${amount}`,
    );
  }
}

const knownCurrencies = new Set(Intl.supportedValuesOf('currency'));

export function assertKnownCurrency(currency: string): void {
  if (!knownCurrencies.has(currency)) {
    throw new DomainError('UNSUPPORTED_CURRENCY', `${currency} is not an ISO-4217 currency code`);
  }
}
