export type TransferEvent =
  | {
      type: 'TransferRequested';
      data: {
        transferId: string;
        fromAccountId: string;
        toAccountId: string;
        amount: number;
        currency: string;
        reference?: string;
      };
    }
  | { type: 'TransferSourceDebited'; data: { transferId: string } }
  | { type: 'TransferCreditRefused'; data: { transferId: string; reason: string } }
  | { type: 'TransferCompleted'; data: { transferId: string } }
  | { type: 'TransferFailed'; data: { transferId: string; reason: string; refunded: boolean } };

export type TransferEventType = TransferEvent['type'];

export const TRANSFER_EVENT_TYPES: readonly TransferEventType[] = [
  'TransferRequested',
  'TransferSourceDebited',
  'TransferCreditRefused',
  'TransferCompleted',
  'TransferFailed',
];
