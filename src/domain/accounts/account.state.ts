import type { AccountEvent } from './account.events';

export type AccountState =
  | { status: 'none' }
  | {
      status: 'open' | 'closed';
      accountId: string;
      ownerId: string;
      currency: string;
      overdraftLimit: number;
      balance: number;
      /** Transfers debited here whose outcome is not settled yet; the account cannot close. */
      transfersInFlight: string[];
    };

export const initialAccountState: AccountState = { status: 'none' };

export function evolveAccount(state: AccountState, event: AccountEvent): AccountState {
  if (event.type === 'AccountOpened') {
    return { status: 'open', ...event.data, balance: 0, transfersInFlight: [] };
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
        transfersInFlight: [...state.transfersInFlight, event.data.transferId],
      };
    case 'TransferRefunded':
      return {
        ...state,
        balance: event.data.balanceAfter,
        transfersInFlight: state.transfersInFlight.filter((id) => id !== event.data.transferId),
      };
    case 'TransferDebitSettled':
      return {
        ...state,
        transfersInFlight: state.transfersInFlight.filter((id) => id !== event.data.transferId),
      };
    case 'AccountClosed':
      return { ...state, status: 'closed' };
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}
