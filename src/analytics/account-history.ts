import { Inject, Injectable } from '@nestjs/common';
import {
  type AccountSummary,
  accountSummaryProjection,
} from '../../projections/account-summary.projection';
import { ACCOUNT_EVENT_TYPES } from '../domain/accounts/account.events';
import { accountStream, ACCOUNT_STREAM_PREFIX, idFromStream } from '../domain/stream-names';
import type { EventEnvelope } from '../event-store/event-envelope';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port';
import { PersonalDataSealer } from '../privacy/personal-data-sealer';
import { SubjectIndex } from '../privacy/subject-index';
import { LedgerError } from '../problems/ledger-error';
import { decodeCursor, encodeCursor } from '../queries/cursor';
import { logPages } from '../history/log-pages';
import { streamPages } from '../history/stream-pages';
import { READ_PAGE_SIZE } from './event-log';

/** A moment of an account's past: a time, or a revision of its stream. */
export type PointInTime = { asOf: number } | { asOfRevision: number };

export interface BalancesPage {
  /** The last global position the replay applied. */
  asOfPosition: number;
  items: AccountSummary[];
  nextCursor: string | null;
}

const accountEventTypes = new Set<string>(ACCOUNT_EVENT_TYPES);

/** The live read model's fold, the one and only: time travel answers in the same shape. */
const evolve = (summary: AccountSummary | null, event: EventEnvelope): AccountSummary =>
  accountSummaryProjection.evolve(summary, event);

const recordedAfter = (event: EventEnvelope, asOf: number) => Date.parse(event.recordedAt) > asOf;

/**
 * Accounts as they were at an earlier moment, folded from the event store (never from the read
 * models), in its stored form: owners are found by blind index, and only the owner ids answered
 * are opened. "As of a time" means every event up to the first one recorded after that time: a
 * prefix of the stream, or of the global log, which is the same thing as "recorded at or before"
 * as long as recorded times grow with positions (one clock stamps every append).
 */
@Injectable()
export class AccountHistory {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly index: SubjectIndex,
    private readonly sealer: PersonalDataSealer,
  ) {}

  async account(accountId: string, point: PointInTime): Promise<AccountSummary> {
    const streamId = accountStream(accountId);
    const lastRevision = 'asOfRevision' in point ? point.asOfRevision : Number.MAX_SAFE_INTEGER;
    const asOf = 'asOf' in point ? point.asOf : Infinity;
    let summary: AccountSummary | null = null;
    const pages = streamPages(this.store, streamId, {
      toRevision: lastRevision,
      pageSize: READ_PAGE_SIZE,
    });
    reading: for await (const page of pages) {
      for (const event of page) {
        if (recordedAfter(event, asOf)) break reading;
        summary = evolve(summary, event);
      }
    }
    if (!summary) {
      throw new LedgerError('ACCOUNT_NOT_FOUND', `No account ${accountId} at that point`);
    }
    return this.opened(summary);
  }

  /**
   * Every account's summary (or one owner's) as of a time, by a replay of the global log, paged by
   * account id. Each page replays again, so pass the same `asOf` to every page of one listing.
   */
  async balances(
    asOf: number,
    filter: { ownerId?: string },
    limit: number,
    cursor?: string,
  ): Promise<BalancesPage> {
    const afterId = cursor === undefined ? undefined : accountIdOf(cursor);
    const ownerRef = filter.ownerId === undefined ? undefined : this.index.of(filter.ownerId);
    const head = await this.store.headPosition();
    const summaries = new Map<string, AccountSummary>();
    let asOfPosition = 0;
    replay: for await (const page of logPages(this.store, 0, {
      until: head,
      pageSize: READ_PAGE_SIZE,
    })) {
      for (const event of page) {
        if (recordedAfter(event, asOf)) break replay;
        asOfPosition = event.position;
        if (!event.streamId.startsWith(ACCOUNT_STREAM_PREFIX)) continue;
        if (!accountEventTypes.has(event.type)) continue;
        const accountId = idFromStream(event.streamId);
        if (afterId !== undefined && accountId <= afterId) continue;
        const summary = summaries.get(accountId);
        if (summary) {
          summaries.set(accountId, evolve(summary, event));
        } else if (event.type === 'AccountOpened') {
          // The owner never changes after opening: other owners' accounts are not even folded.
          const opened = evolve(null, event);
          if (ownerRef === undefined || opened.ownerRef === ownerRef) {
            summaries.set(accountId, opened);
          }
        }
      }
    }
    const ids = [...summaries.keys()].sort();
    const items = await Promise.all(
      ids.slice(0, limit).map((id) => this.opened(summaries.get(id)!)),
    );
    return {
      asOfPosition,
      items,
      nextCursor: ids.length > limit ? encodeCursor('id', ids[limit - 1]) : null,
    };
  }

  /** The live read model's answer shape: the owner id opened (or erased), its index left out. */
  private async opened({ ownerRef: _ref, ...summary }: AccountSummary): Promise<AccountSummary> {
    const ownerId = await this.sealer.openKept(summary.ownerId, 'data.ownerId');
    return { ...summary, ownerId: String(ownerId) };
  }
}

function accountIdOf(cursor: string): string {
  return decodeCursor(cursor, 'id');
}
