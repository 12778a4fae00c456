import type { AccountEvent } from '../src/domain/accounts/account.events';
import { ACCOUNT_EVENT_TYPES } from '../src/domain/accounts/account.events';
import { idFromStream } from '../src/domain/stream-names';
import type { EventEnvelope } from '../src/event-store/event-envelope';
import type { ProjectedDocument, Projection } from '../src/projecting/projection';

export interface AccountSummary extends ProjectedDocument {
  accountId: string;
  ownerId: string;
  currency: string;
  balance: number;
  overdraftLimit: number;
  status: 'open' | 'closed';
  openedAt: string;
  updatedAt: string;
}

export const accountSummaryProjection: Projection<AccountSummary> = {
  name: 'account-summary',
  version: 1,
  collection: 'account_summaries',
  seesWholeStreams: true,
  handles: ACCOUNT_EVENT_TYPES,
  indexes: [{ keys: { ownerId: 1 } }, { keys: { status: 1 } }],
  documentId: (event) => idFromStream(event.streamId),
  evolve(summary, envelope: EventEnvelope) {
    const event = envelope as unknown as AccountEvent;
    const stamp = {
      revision: envelope.revision,
      position: envelope.position,
      updatedAt: envelope.recordedAt,
    };
    if (event.type === 'AccountOpened') {
      return {
        _id: event.data.accountId,
        ...event.data,
        balance: 0,
        status: 'open',
        openedAt: envelope.recordedAt,
        ...stamp,
      };
    }
    if (!summary) throw new Error(`${envelope.type} before AccountOpened in ${envelope.streamId}`);
    switch (event.type) {
      case 'AccountClosed':
        return { ...summary, status: 'closed', ...stamp };
      case 'TransferDebitSettled':
        return { ...summary, ...stamp };
      case 'OverdraftLimitChanged':
        return { ...summary, overdraftLimit: event.data.overdraftLimit, ...stamp };
      default:
        return { ...summary, balance: event.data.balanceAfter, ...stamp };
    }
  },
};
