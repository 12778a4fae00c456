import type { AccountEvent, DepositChannel } from '../src/domain/accounts/account.events';
import { keptPersonal } from '../src/domain/personal-data';
import { idFromStream } from '../src/domain/stream-names';
import type { EventEnvelope } from '../src/event-store/event-envelope';
import type { ProjectedDocument, Projection } from '../src/projecting/projection';

export type TransactionKind =
  'deposit' | 'withdrawal' | 'transfer-out' | 'transfer-in' | 'transfer-refund';

/** One movement of money on one account; newest first by revision when listed. */
export interface AccountTransaction extends ProjectedDocument {
  accountId: string;
  kind: TransactionKind;
  /** Signed change of the balance in minor units. */
  amount: number;
  balanceAfter: number;
  /** As the event stores it: sealed, with the event's id (see keptPersonal); queries open it. */
  reference?: string;
  /** Deposits only: how the money came in. */
  channel?: DepositChannel;
  transferId?: string;
  counterpartyAccountId?: string;
  recordedAt: string;
}

type Movement = Extract<
  AccountEvent,
  {
    type:
      | 'MoneyDeposited'
      | 'MoneyWithdrawn'
      | 'TransferDebited'
      | 'TransferCredited'
      | 'TransferRefunded';
  }
>;

export const accountTransactionsProjection: Projection<AccountTransaction> = {
  name: 'account-transactions',
  // 2: deposits carry their channel (MoneyDeposited v2). 3: references kept sealed, with their event's id.
  version: 3,
  collection: 'account_transactions',
  seesWholeStreams: false,
  documentPerEvent: true,
  handles: [
    'MoneyDeposited',
    'MoneyWithdrawn',
    'TransferDebited',
    'TransferCredited',
    'TransferRefunded',
  ],
  indexes: [{ keys: { accountId: 1, revision: -1 } }],
  documentId: (event) => `${idFromStream(event.streamId)}:${event.revision}`,
  evolve(_none, envelope: EventEnvelope) {
    const event = envelope as unknown as Movement;
    const base = {
      _id: `${idFromStream(envelope.streamId)}:${envelope.revision}`,
      accountId: idFromStream(envelope.streamId),
      balanceAfter: event.data.balanceAfter,
      revision: envelope.revision,
      position: envelope.position,
      recordedAt: envelope.recordedAt,
    };
    switch (event.type) {
      case 'MoneyDeposited':
        return withReference(
          { ...base, kind: 'deposit', amount: event.data.amount, channel: event.data.channel },
          event.data.reference,
          envelope.eventId,
        );
      case 'MoneyWithdrawn':
        return withReference(
          { ...base, kind: 'withdrawal', amount: -event.data.amount },
          event.data.reference,
          envelope.eventId,
        );
      case 'TransferDebited':
        return {
          ...base,
          kind: 'transfer-out',
          amount: -event.data.amount,
          transferId: event.data.transferId,
          counterpartyAccountId: event.data.toAccountId,
        };
      case 'TransferCredited':
        return {
          ...base,
          kind: 'transfer-in',
          amount: event.data.amount,
          transferId: event.data.transferId,
          counterpartyAccountId: event.data.fromAccountId,
        };
      case 'TransferRefunded':
        return {
          ...base,
          kind: 'transfer-refund',
          amount: event.data.amount,
          transferId: event.data.transferId,
        };
      default: {
        const unhandled: never = event;
        return unhandled;
      }
    }
  },
};

function withReference(
  transaction: AccountTransaction,
  reference: string | undefined,
  eventId: string,
) {
  return reference === undefined
    ? transaction
    : { ...transaction, reference: keptPersonal(reference, eventId) };
}
