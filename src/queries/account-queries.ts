import { Inject, Injectable } from '@nestjs/common';
import type { AccountSummary } from '../../projections/account-summary.projection';
import { accountSummaryProjection } from '../../projections/account-summary.projection';
import type { AccountTransaction } from '../../projections/account-transactions.projection';
import { accountTransactionsProjection } from '../../projections/account-transactions.projection';
import type { TransferStatusDocument } from '../../projections/transfer-status.projection';
import { transferStatusProjection } from '../../projections/transfer-status.projection';
import { PersonalDataSealer } from '../privacy/personal-data-sealer';
import { SubjectIndex } from '../privacy/subject-index';
import { type Filter, READ_STORE, type ReadStore } from '../read-store/read-store.port';
import { decodeCursor, encodeCursor } from './cursor';
import { DEFAULT_PAGE_SIZE, type Page } from './page';
import { NotFoundInReadModelError } from './query.errors';

export interface AccountFilter {
  ownerId?: string;
  status?: 'open' | 'closed';
}

/**
 * Answers from the read models only; it never touches the event store. The read models keep
 * personal fields sealed: owners are found by their blind index, and personal fields are opened
 * only in what is answered.
 */
@Injectable()
export class AccountQueries {
  constructor(
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    private readonly index: SubjectIndex,
    private readonly sealer: PersonalDataSealer,
  ) {}

  /** With an owner, an account of someone else's is reported missing, like one that is not. */
  async account(accountId: string, owner?: string): Promise<AccountSummary> {
    const summary = await this.readStore
      .collection<AccountSummary>(accountSummaryProjection.collection)
      .findOne({ _id: accountId });
    if (!summary || (owner !== undefined && !this.isOwnedBy(summary, owner))) {
      throw new NotFoundInReadModelError('ACCOUNT_NOT_FOUND', `No account ${accountId}`);
    }
    return this.openSummary(summary);
  }

  async accounts(
    filter: AccountFilter,
    limit = DEFAULT_PAGE_SIZE,
    cursor?: string,
  ): Promise<Page<AccountSummary>> {
    const query: Filter = {};
    if (filter.ownerId !== undefined) Object.assign(query, this.ownedBy(filter.ownerId));
    if (filter.status !== undefined) query.status = filter.status;
    if (cursor !== undefined) query._id = { $gt: decodeCursor(cursor, 'id') };
    const rows = await this.readStore
      .collection<AccountSummary>(accountSummaryProjection.collection)
      .find(query, { sort: { _id: 1 }, limit: limit + 1 });
    const page = pageOf(rows, limit, 'id', (last) => last._id);
    return { ...page, items: await Promise.all(page.items.map((row) => this.openSummary(row))) };
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
    const page = pageOf(rows, limit, 'revision', (last) => last.revision);
    return { ...page, items: await Promise.all(page.items.map((row) => this.withReference(row))) };
  }

  /** With an owner, only transfers from or to one of the owner's accounts are found. */
  async transfer(transferId: string, owner?: string): Promise<TransferStatusDocument> {
    const transfer = await this.readStore
      .collection<TransferStatusDocument>(transferStatusProjection.collection)
      .findOne({ _id: transferId });
    if (!transfer || (owner !== undefined && !(await this.involves(transfer, owner)))) {
      throw new NotFoundInReadModelError('TRANSFER_NOT_FOUND', `No transfer ${transferId}`);
    }
    return this.withReference(transfer);
  }

  async ownsAccount(accountId: string, owner: string): Promise<boolean> {
    const accounts = await this.readStore
      .collection<AccountSummary>(accountSummaryProjection.collection)
      .countDocuments({ _id: accountId, ...this.ownedBy(owner) });
    return accounts > 0;
  }

  private ownedBy(owner: string): Filter {
    return { ownerRef: this.index.of(owner) };
  }

  private isOwnedBy(summary: AccountSummary, owner: string): boolean {
    return summary.ownerRef === this.index.of(owner);
  }

  /** The answer's shape: the owner id opened (or erased), the blind index left out. */
  private async openSummary({
    ownerRef: _ref,
    ...summary
  }: AccountSummary): Promise<AccountSummary> {
    const ownerId = await this.sealer.openKept(summary.ownerId, 'data.ownerId');
    return { ...summary, ownerId: String(ownerId) };
  }

  private async withReference<T extends { reference?: string }>(row: T): Promise<T> {
    if (row.reference === undefined) return row;
    return {
      ...row,
      reference: String(await this.sealer.openKept(row.reference, 'data.reference')),
    };
  }

  private async involves(transfer: TransferStatusDocument, owner: string): Promise<boolean> {
    const accounts = await this.readStore
      .collection<AccountSummary>(accountSummaryProjection.collection)
      .countDocuments({
        _id: { $in: [transfer.fromAccountId, transfer.toAccountId] },
        ...this.ownedBy(owner),
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
