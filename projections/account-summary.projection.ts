import type { AccountEvent } from '../src/domain/accounts/account.events';
import { ACCOUNT_EVENT_TYPES } from '../src/domain/accounts/account.events';
import { keptPersonal, subjectRefOf } from '../src/domain/personal-data';
import { idFromStream } from '../src/domain/stream-names';
import type { EventEnvelope } from '../src/event-store/event-envelope';
import type { ProjectedDocument, Projection } from '../src/projecting/projection';

export interface AccountSummary extends ProjectedDocument {
  accountId: string;
  /** As the event stores it: sealed, with the event's id (see keptPersonal); queries open it. */
  ownerId: string;
  /** The owner's blind index, by which owners' accounts are found without opening anything. */
  ownerRef?: string;
  currency: string;
  balance: number;
  overdraftLimit: number;
  status: 'open' | 'closed';
  openedAt: string;
  updatedAt: string;
}

export const accountSummaryProjection: Projection<AccountSummary> = {
  name: 'account-summary',
  // 2: the owner id kept sealed, with its blind index.
  version: 2,
  collection: 'account_summaries',
  seesWholeStreams: true,
  handles: ACCOUNT_EVENT_TYPES,
  indexes: [{ keys: { ownerRef: 1 } }, { keys: { ownerId: 1 } }, { keys: { status: 1 } }],
  documentId: (event) => idFromStream(event.streamId),
  evolve(summary, envelope: EventEnvelope) {
    const event = envelope as unknown as AccountEvent;
    const stamp = {
      revision: envelope.revision,
      position: envelope.position,
      updatedAt: envelope.recordedAt,
    };
    if (event.type === 'AccountOpened') {
      const { accountId, ownerId, currency, overdraftLimit } = event.data;
      // A sealed owner id names its subject's blind index (an owner id stored in the clear, before
      // sealing, names none: such an account is found by its id, not by its owner).
      const ownerRef = subjectRefOf(ownerId);
      return {
        _id: accountId,
        accountId,
        ownerId: keptPersonal(ownerId, envelope.eventId),
        ...(ownerRef === undefined ? {} : { ownerRef }),
        currency,
        overdraftLimit,
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
