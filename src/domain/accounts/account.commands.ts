export type AccountCommand =
  | {
      type: 'OpenAccount';
      accountId: string;
      ownerId: string;
      currency: string;
      overdraftLimit: number;
    }
  | { type: 'DepositMoney'; amount: number; reference?: string }
  | { type: 'WithdrawMoney'; amount: number; reference?: string }
  | { type: 'CloseAccount' }
  | { type: 'SetOverdraftLimit'; overdraftLimit: number }
  | {
      type: 'DebitForTransfer';
      transferId: string;
      toAccountId: string;
      amount: number;
      currency: string;
    }
  | {
      type: 'CreditForTransfer';
      transferId: string;
      fromAccountId: string;
      amount: number;
      currency: string;
    }
  | { type: 'RefundTransfer'; transferId: string; amount: number }
  | { type: 'SettleTransferDebit'; transferId: string };
