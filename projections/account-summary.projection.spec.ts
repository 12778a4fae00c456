import { envelope, givenStream, recordedAt } from '../test/support/projection-given';
import { accountSummaryProjection } from './account-summary.projection';

const opened = {
  type: 'AccountOpened',
  data: { accountId: 'a1', ownerId: 'alice', currency: 'EUR', overdraftLimit: 500 },
};
const deposited = (amount: number, balanceAfter: number) => ({
  type: 'MoneyDeposited',
  data: { amount, balanceAfter, channel: 'api' },
});
const summaryOf = (...events: { type: string; data: unknown }[]) =>
  givenStream(accountSummaryProjection, 'account-a1', ...events)
    .documents()
    .get('a1');

describe('account-summary projection', () => {
  it('opens an account at zero balance, stamped with the stream position', () => {
    expect(summaryOf(opened)).toEqual({
      _id: 'a1',
      accountId: 'a1',
      ownerId: 'alice',
      currency: 'EUR',
      overdraftLimit: 500,
      balance: 0,
      status: 'open',
      openedAt: recordedAt(0),
      updatedAt: recordedAt(0),
      revision: 0,
      position: 10,
    });
  });

  it('takes the balance each movement leaves', () => {
    const summary = summaryOf(
      opened,
      deposited(1000, 1000),
      { type: 'MoneyWithdrawn', data: { amount: 300, balanceAfter: 700 } },
      {
        type: 'TransferDebited',
        data: { transferId: 't1', toAccountId: 'b1', amount: 200, balanceAfter: 500 },
      },
      {
        type: 'TransferCredited',
        data: { transferId: 't2', fromAccountId: 'b1', amount: 50, balanceAfter: 550 },
      },
      { type: 'TransferRefunded', data: { transferId: 't1', amount: 200, balanceAfter: 750 } },
    );
    expect(summary).toMatchObject({
      balance: 750,
      revision: 5,
      position: 60,
      updatedAt: recordedAt(5),
    });
  });

  it('keeps the balance when a debit settles, and moves the revision on', () => {
    const summary = summaryOf(opened, deposited(100, 100), {
      type: 'TransferDebitSettled',
      data: { transferId: 't1' },
    });
    expect(summary).toMatchObject({ balance: 100, revision: 2, status: 'open' });
  });

  it('marks a closed account closed', () => {
    expect(summaryOf(opened, { type: 'AccountClosed', data: {} })).toMatchObject({
      status: 'closed',
      balance: 0,
      revision: 1,
    });
  });

  it('refuses a movement on an account it never saw opened', () => {
    expect(() =>
      accountSummaryProjection.evolve(null, envelope('account-a1', 3, deposited(1, 1))),
    ).toThrow(/before AccountOpened/);
  });

  it('names the document by the account id of the stream', () => {
    expect(accountSummaryProjection.documentId(envelope('account-x-y', 0, opened))).toBe('x-y');
  });
});
