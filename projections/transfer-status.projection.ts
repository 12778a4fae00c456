import type { TransferEvent } from '../src/domain/transfers/transfer.events';
import { TRANSFER_EVENT_TYPES } from '../src/domain/transfers/transfer.events';
import type { TransferStatus as TransferStep } from '../src/domain/transfers/transfer.state';
import { keptPersonal } from '../src/domain/personal-data';
import { idFromStream } from '../src/domain/stream-names';
import type { EventEnvelope } from '../src/event-store/event-envelope';
import type { ProjectedDocument, Projection } from '../src/projecting/projection';

export interface TransferStatusDocument extends ProjectedDocument {
  transferId: string;
  fromAccountId: string;
  toAccountId: string;
  amount: number;
  currency: string;
  /** As the event stores it: sealed, with the event's id (see keptPersonal); queries open it. */
  reference?: string;
  status: TransferStep;
  failureReason?: string;
  refunded?: boolean;
  requestedAt: string;
  updatedAt: string;
}

const statusAfter: Record<Exclude<TransferEvent['type'], 'TransferRequested'>, TransferStep> = {
  TransferSourceDebited: 'debited',
  TransferCreditRefused: 'credit-refused',
  TransferCompleted: 'completed',
  TransferFailed: 'failed',
};

export const transferStatusProjection: Projection<TransferStatusDocument> = {
  name: 'transfer-status',
  // 2: the reference kept sealed, with its event's id.
  version: 2,
  collection: 'transfer_statuses',
  seesWholeStreams: true,
  handles: TRANSFER_EVENT_TYPES,
  indexes: [{ keys: { fromAccountId: 1 } }, { keys: { toAccountId: 1 } }],
  documentId: (event) => idFromStream(event.streamId),
  evolve(transfer, envelope: EventEnvelope) {
    const event = envelope as unknown as TransferEvent;
    const stamp = {
      revision: envelope.revision,
      position: envelope.position,
      updatedAt: envelope.recordedAt,
    };
    if (event.type === 'TransferRequested') {
      const { reference, ...data } = event.data;
      return {
        _id: event.data.transferId,
        ...data,
        ...(reference === undefined
          ? {}
          : { reference: keptPersonal(reference, envelope.eventId) }),
        status: 'requested',
        requestedAt: envelope.recordedAt,
        ...stamp,
      };
    }
    if (!transfer) throw new Error(`${envelope.type} before TransferRequested`);
    const next = { ...transfer, status: statusAfter[event.type], ...stamp };
    if (event.type === 'TransferFailed') {
      return { ...next, failureReason: event.data.reason, refunded: event.data.refunded };
    }
    return next;
  },
};
