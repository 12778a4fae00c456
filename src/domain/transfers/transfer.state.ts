import type { TransferEvent } from './transfer.events';

export type TransferStatus = 'requested' | 'debited' | 'credit-refused' | 'completed' | 'failed';

export type TransferState =
  | { status: 'none' }
  | {
      status: TransferStatus;
      transferId: string;
      fromAccountId: string;
      toAccountId: string;
      amount: number;
      currency: string;
    };

export const initialTransferState: TransferState = { status: 'none' };

export function evolveTransfer(state: TransferState, event: TransferEvent): TransferState {
  if (event.type === 'TransferRequested') {
    const { transferId, fromAccountId, toAccountId, amount, currency } = event.data;
    return { status: 'requested', transferId, fromAccountId, toAccountId, amount, currency };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'TransferSourceDebited':
      return { ...state, status: 'debited' };
    case 'TransferCreditRefused':
      return { ...state, status: 'credit-refused' };
    case 'TransferCompleted':
      return { ...state, status: 'completed' };
    case 'TransferFailed':
      return { ...state, status: 'failed' };
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}
