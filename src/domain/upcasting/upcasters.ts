import type { DepositChannel } from '../accounts/account.events';

/**
 * Lifts the data of one event type from `fromVersion` to `fromVersion + 1`. Pure: it returns new
 * data and never changes its argument, so a stored event reads the same however often it is read.
 */
export interface Upcaster {
  type: string;
  fromVersion: number;
  upcast(data: Readonly<Record<string, unknown>>): Record<string, unknown>;
}

/**
 * MoneyDeposited v1 → v2: v2 names the channel the money came through. Before v2 the HTTP API was
 * the only way to deposit, so every v1 deposit came through it.
 */
export const moneyDepositedV1ToV2: Upcaster = {
  type: 'MoneyDeposited',
  fromVersion: 1,
  upcast: (data) => ({ ...data, channel: 'api' satisfies DepositChannel }),
};

/** Every upcaster, one per (type, version) step; `upcastEvent` chains them. */
export const UPCASTERS: readonly Upcaster[] = [moneyDepositedV1ToV2];
