import type { AccountState } from '../accounts/account.state';

export type TransferCommand =
  | {
      type: 'RequestTransfer';
      transferId: string;
      fromAccountId: string;
      toAccountId: string;
      amount: number;
      reference?: string;
      /** Both accounts as they are now, looked up by the caller: the domain reads nothing itself. */
      source: AccountState;
      destination: AccountState;
    }
  | { type: 'RecordSourceDebited' }
  | { type: 'RecordCreditRefused'; reason: string }
  | { type: 'CompleteTransfer' }
  | { type: 'FailTransfer'; reason: string; refunded: boolean };
