/**
 * How deposited money reached the ledger (MoneyDeposited schema version 2). Every deposit so far came
 * through the HTTP API; a channel such as a card or bank-transfer feed joins this union with the
 * command field that names it.
 */
export type DepositChannel = 'api';

/** Events of one account's stream. Movements carry the balance they leave, so readers need no sum. */
export type AccountEvent =
  | {
      type: 'AccountOpened';
      data: {
        accountId: string;
        /** Personal data: stored sealed (see PERSONAL_FIELDS). */
        ownerId: string;
        currency: string;
        overdraftLimit: number;
        /**
         * The owner's blind index, never stored: the command side's view of the stream adds it
         * (see OWNER_REF_FIELD), so that the folded state names the owner without the owner id.
         */
        ownerRef?: string;
      };
    }
  | {
      type: 'MoneyDeposited';
      data: { amount: number; balanceAfter: number; channel: DepositChannel; reference?: string };
    }
  | { type: 'MoneyWithdrawn'; data: { amount: number; balanceAfter: number; reference?: string } }
  | {
      type: 'TransferDebited';
      data: { transferId: string; toAccountId: string; amount: number; balanceAfter: number };
    }
  | {
      type: 'TransferCredited';
      data: { transferId: string; fromAccountId: string; amount: number; balanceAfter: number };
    }
  | { type: 'TransferRefunded'; data: { transferId: string; amount: number; balanceAfter: number } }
  | { type: 'TransferDebitSettled'; data: { transferId: string } }
  | { type: 'OverdraftLimitChanged'; data: { overdraftLimit: number; previousLimit: number } }
  | { type: 'AccountClosed'; data: Record<string, never> };

export type AccountEventType = AccountEvent['type'];

export const ACCOUNT_EVENT_TYPES: readonly AccountEventType[] = [
  'AccountOpened',
  'MoneyDeposited',
  'MoneyWithdrawn',
  'TransferDebited',
  'TransferCredited',
  'TransferRefunded',
  'TransferDebitSettled',
  'OverdraftLimitChanged',
  'AccountClosed',
];
