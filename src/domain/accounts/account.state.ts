import type { AccountEvent } from './account.events';

/** A transfer debited here whose outcome is not settled yet: its amount may still come back. */
export interface TransferInFlight {
  transferId: string;
  amount: number;
}

export type AccountState =
  | { status: 'none' }
  | {
      status: 'open' | 'closed';
      accountId: string;
      /**
       * The owner's blind index, not the owner id, so that neither snapshots nor cached states
       * hold personal data; empty when no view added it, and then only tellers act on the account.
       */
      ownerRef: string;
      currency: string;
      overdraftLimit: number;
      balance: number;
      /** While any is in flight the account cannot close, and its amounts stay reserved. */
      transfersInFlight: TransferInFlight[];
    };

export const initialAccountState: AccountState = { status: 'none' };

export function evolveAccount(state: AccountState, event: AccountEvent): AccountState {
  if (event.type === 'AccountOpened') {
    const { accountId, currency, overdraftLimit, ownerRef = '' } = event.data;
    return {
      status: 'open',
      accountId,
      ownerRef,
      currency,
      overdraftLimit,
      balance: 0,
      transfersInFlight: [],
    };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'MoneyDeposited':
    case 'MoneyWithdrawn':
    case 'TransferCredited':
      return { ...state, balance: event.data.balanceAfter };
    case 'TransferDebited':
      return {
        ...state,
        balance: event.data.balanceAfter,
        transfersInFlight: [
          ...state.transfersInFlight,
          { transferId: event.data.transferId, amount: event.data.amount },
        ],
      };
    case 'TransferRefunded':
      return {
        ...state,
        balance: event.data.balanceAfter,
        transfersInFlight: settled(state.transfersInFlight, event.data.transferId),
      };
    case 'TransferDebitSettled':
      return {
        ...state,
        transfersInFlight: settled(state.transfersInFlight, event.data.transferId),
      };
    case 'OverdraftLimitChanged':
      return { ...state, overdraftLimit: event.data.overdraftLimit };
    case 'AccountClosed':
      return { ...state, status: 'closed' };
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

function settled(transfers: TransferInFlight[], transferId: string): TransferInFlight[] {
  return transfers.filter((transfer) => transfer.transferId !== transferId);
}
