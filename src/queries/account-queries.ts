import { Inject, Injectable } from '@nestjs/common';
import type { AccountSummary } from '../../projections/account-summary.projection';
import { accountSummaryProjection } from '../../projections/account-summary.projection';
import type { AccountTransaction } from '../../projections/account-transactions.projection';
import { accountTransactionsProjection } from '../../projections/account-transactions.projection';
import type { TransferStatusDocument } from '../../projections/transfer-status.projection';
import { transferStatusProjection } from '../../projections/transfer-status.projection';
import { type Filter, READ_STORE, type ReadStore } from '../read-store/read-store.port';
import { decodeCursor, encodeCursor } from './cursor';
import { DEFAULT_PAGE_SIZE, type Page } from './page';
import { NotFoundInReadModelError } from './query.errors';

export interface AccountFilter {
  ownerId?: string;
  status?: 'open' | 'closed';
}

/** Answers from the read models only; it never touches the event store. */
@Injectable()
export class AccountQueries {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  /** With an owner, an account of someone else's is reported missing, like one that is not. */
  async account(accountId: string, owner?: string): Promise<AccountSummary> {
    const summary = await this.readStore
      .collection<AccountSummary>(accountSummaryProjection.collection)
      .findOne({ _id: accountId });
    if (!summary || (owner !== undefined && summary.ownerId !== owner)) {
      throw new NotFoundInReadModelError('ACCOUNT_NOT_FOUND', `No account ${accountId}`);
    }
    return summary;
  }

  async accounts(
    filter: AccountFilter,
    limit = DEFAULT_PAGE_SIZE,
    cursor?: string,
  ): Promise<Page<AccountSummary>> {
    const query: Filter = {};
    if (filter.ownerId !== undefined) query.ownerId = filter.ownerId;
    if (filter.status !== undefined) query.status = filter.status;
    if (cursor !== undefined) query._id = { $gt: decodeCursor(cursor, 'id') };
    const rows = await this.readStore
      .collection<AccountSummary>(accountSummaryProjection.collection)
      .find(query, { sort: { _id: 1 }, limit: limit + 1 });
    return pageOf(rows, limit, 'id', (last) => last._id);
  }

  async transactions(
    accountId: string,
    owner: string | undefined,
    limit = DEFAULT_PAGE_SIZE,
    cursor?: string,
  ): Promise<Page<AccountTransaction>> {
    await this.account(accountId, owner);
    const query: Filter = { accountId };
    if (cursor !== undefined) query.revision = { $lt: decodeCursor(cursor, 'revision') };
    const rows = await this.readStore
      .collection<AccountTransaction>(accountTransactionsProjection.collection)
      .find(query, { sort: { revision: -1 }, limit: limit + 1 });
    return pageOf(rows, limit, 'revision', (last) => last.revision);
  }

  /** With an owner, only transfers from or to one of the owner's accounts are found. */
  async transfer(transferId: string, owner?: string): Promise<TransferStatusDocument> {
    const transfer = await this.readStore
      .collection<TransferStatusDocument>(transferStatusProjection.collection)
      .findOne({ _id: transferId });
    if (!transfer || (owner !== undefined && !(await this.involves(transfer, owner)))) {
      throw new NotFoundInReadModelError('TRANSFER_NOT_FOUND', `No transfer ${transferId}`);
    }
    return transfer;
  }

  async ownsAccount(accountId: string, owner: string): Promise<boolean> {
    const accounts = await this.readStore
      .collection<AccountSummary>(accountSummaryProjection.collection)
      .countDocuments({ _id: accountId, ownerId: owner });
    return accounts > 0;
  }

  private async involves(transfer: TransferStatusDocument, owner: string): Promise<boolean> {
    const accounts = await this.readStore
      .collection<AccountSummary>(accountSummaryProjection.collection)
      .countDocuments({
        _id: { $in: [transfer.fromAccountId, transfer.toAccountId] },
        ownerId: owner,
      });
    return accounts > 0;
  }
}

function pageOf<T, K extends 'id' | 'revision'>(
  rows: T[],
  limit: number,
  kind: K,
  key: (last: T) => Parameters<typeof encodeCursor<K>>[1],
): Page<T> {
  const items = rows.slice(0, limit);
  const more = rows.length > limit;
  return { items, nextCursor: more ? encodeCursor(kind, key(items[items.length - 1])) : null };
}
