import { givenStream, recordedAt } from '../test/support/projection-given';
import { accountTransactionsProjection } from './account-transactions.projection';

const transactionsOf = (...events: { type: string; data: unknown }[]) => [
  ...givenStream(accountTransactionsProjection, 'account-a1', ...events)
    .documents()
    .values(),
];

describe('account-transactions projection', () => {
  it('writes one signed movement per money event, and nothing for the others', () => {
    const transactions = transactionsOf(
      {
        type: 'AccountOpened',
        data: { accountId: 'a1', ownerId: 'alice', currency: 'EUR', overdraftLimit: 0 },
      },
      {
        type: 'MoneyDeposited',
        data: { amount: 1000, balanceAfter: 1000, channel: 'api', reference: 'salary' },
      },
      { type: 'MoneyWithdrawn', data: { amount: 300, balanceAfter: 700 } },
      {
        type: 'TransferDebited',
        data: { transferId: 't1', toAccountId: 'b1', amount: 200, balanceAfter: 500 },
      },
      { type: 'TransferDebitSettled', data: { transferId: 't1' } },
      {
        type: 'TransferCredited',
        data: { transferId: 't2', fromAccountId: 'c1', amount: 50, balanceAfter: 550 },
      },
      { type: 'TransferRefunded', data: { transferId: 't3', amount: 20, balanceAfter: 570 } },
      { type: 'AccountClosed', data: {} },
    );
    const stamp = (revision: number) => ({
      _id: `a1:${revision}`,
      accountId: 'a1',
      revision,
      position: (revision + 1) * 10,
      recordedAt: recordedAt(revision),
    });
    expect(transactions).toEqual([
      {
        ...stamp(1),
        kind: 'deposit',
        amount: 1000,
        balanceAfter: 1000,
        channel: 'api',
        reference: 'salary',
      },
      { ...stamp(2), kind: 'withdrawal', amount: -300, balanceAfter: 700 },
      {
        ...stamp(3),
        kind: 'transfer-out',
        amount: -200,
        balanceAfter: 500,
        transferId: 't1',
        counterpartyAccountId: 'b1',
      },
      {
        ...stamp(5),
        kind: 'transfer-in',
        amount: 50,
        balanceAfter: 550,
        transferId: 't2',
        counterpartyAccountId: 'c1',
      },
      { ...stamp(6), kind: 'transfer-refund', amount: 20, balanceAfter: 570, transferId: 't3' },
    ]);
  });

  it('leaves out a reference the event does not carry', () => {
    const [withdrawal] = transactionsOf({
      type: 'MoneyWithdrawn',
      data: { amount: 1, balanceAfter: -1 },
    });
    expect(withdrawal).not.toHaveProperty('reference');
  });

  it('sums of the signed amounts give the last balance', () => {
    const transactions = transactionsOf(
      { type: 'MoneyDeposited', data: { amount: 70, balanceAfter: 70, channel: 'api' } },
      { type: 'MoneyWithdrawn', data: { amount: 30, balanceAfter: 40 } },
      {
        type: 'TransferCredited',
        data: { transferId: 't', fromAccountId: 'b', amount: 5, balanceAfter: 45 },
      },
    );
    const sum = transactions.reduce((total, transaction) => total + transaction.amount, 0);
    expect(sum).toBe(transactions.at(-1)!.balanceAfter);
  });
});
