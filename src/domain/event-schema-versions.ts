import type { AccountEventType } from './accounts/account.events';
import type { TransferEventType } from './transfers/transfer.events';

/** The shape version each event type is written with today; upcasters lift older ones on read. */
export const CURRENT_SCHEMA_VERSION: Record<AccountEventType | TransferEventType, number> = {
  AccountOpened: 1,
  MoneyDeposited: 2,
  MoneyWithdrawn: 1,
  TransferDebited: 1,
  TransferCredited: 1,
  TransferRefunded: 1,
  TransferDebitSettled: 1,
  OverdraftLimitChanged: 1,
  AccountClosed: 1,
  TransferRequested: 1,
  TransferSourceDebited: 1,
  TransferCreditRefused: 1,
  TransferCompleted: 1,
  TransferFailed: 1,
};
