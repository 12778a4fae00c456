import { envelope, givenStream, recordedAt } from '../test/support/projection-given';
import { transferStatusProjection } from './transfer-status.projection';

const requested = {
  type: 'TransferRequested',
  data: {
    transferId: 't1',
    fromAccountId: 'a1',
    toAccountId: 'b1',
    amount: 4200,
    currency: 'EUR',
    reference: 'dinner',
  },
};
const statusOf = (...events: { type: string; data: unknown }[]) =>
  givenStream(transferStatusProjection, 'transfer-t1', ...events)
    .documents()
    .get('t1');

describe('transfer-status projection', () => {
  it('starts a transfer as requested with everything the request said', () => {
    expect(statusOf(requested)).toEqual({
      _id: 't1',
      ...requested.data,
      status: 'requested',
      requestedAt: recordedAt(0),
      updatedAt: recordedAt(0),
      revision: 0,
      position: 10,
    });
  });

  it.each([
    [[{ type: 'TransferSourceDebited', data: { transferId: 't1' } }], 'debited'],
    [
      [
        { type: 'TransferSourceDebited', data: { transferId: 't1' } },
        { type: 'TransferCompleted', data: { transferId: 't1' } },
      ],
      'completed',
    ],
    [
      [
        { type: 'TransferSourceDebited', data: { transferId: 't1' } },
        { type: 'TransferCreditRefused', data: { transferId: 't1', reason: 'closed' } },
      ],
      'credit-refused',
    ],
  ])('follows each step: %j → %s', (steps, status) => {
    expect(statusOf(requested, ...steps)).toMatchObject({
      status,
      revision: steps.length,
      updatedAt: recordedAt(steps.length),
      requestedAt: recordedAt(0),
    });
  });

  it('records why a transfer failed and whether it was refunded', () => {
    const failed = statusOf(
      requested,
      { type: 'TransferSourceDebited', data: { transferId: 't1' } },
      { type: 'TransferCreditRefused', data: { transferId: 't1', reason: 'closed' } },
      { type: 'TransferFailed', data: { transferId: 't1', reason: 'closed', refunded: true } },
    );
    expect(failed).toMatchObject({ status: 'failed', failureReason: 'closed', refunded: true });
  });

  it('refuses a step of a transfer it never saw requested', () => {
    expect(() =>
      transferStatusProjection.evolve(
        null,
        envelope('transfer-t1', 1, { type: 'TransferCompleted', data: { transferId: 't1' } }),
      ),
    ).toThrow(/before TransferRequested/);
  });
});
