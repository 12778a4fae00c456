import type { AccountState } from '../accounts/account.state';

/**
 * A destination the caller may not see (another owner's account, or none at all). Nothing about it
 * is judged when the transfer is requested, so the answer cannot tell whether it exists, which
 * currency it holds or whether it is closed; the credit step judges it, and a refusal refunds.
 */
export const NOT_VISIBLE = { status: 'not-visible' } as const;
export type NotVisible = typeof NOT_VISIBLE;

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
      destination: AccountState | NotVisible;
    }
  | { type: 'RecordSourceDebited' }
  | { type: 'RecordCreditRefused'; reason: string }
  | { type: 'CompleteTransfer' }
  | { type: 'FailTransfer'; reason: string; refunded: boolean };
