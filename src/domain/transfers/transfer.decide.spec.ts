import type { AccountState } from '../accounts/account.state';
import { DomainError } from '../domain-error';
import { MAX_MINOR_UNITS } from '../money';
import { NOT_VISIBLE, type TransferCommand } from './transfer.commands';
import { decideTransfer } from './transfer.decide';
import type { TransferEvent } from './transfer.events';
import { evolveTransfer, initialTransferState } from './transfer.state';

const given = (...events: TransferEvent[]) => ({
  when: (command: TransferCommand) => {
    const state = events.reduce(evolveTransfer, initialTransferState);
    return {
      then: (expected: TransferEvent[]) => expect(decideTransfer(command, state)).toEqual(expected),
      thenRefused: (code: string) => {
        let error: unknown;
        try {
          decideTransfer(command, state);
        } catch (thrown) {
          error = thrown;
        }
        expect(error).toBeInstanceOf(DomainError);
        expect((error as DomainError).code).toBe(code);
      },
    };
  },
});

const account = (accountId: string, currency = 'EUR', balance = 0): AccountState => ({
  status: 'open',
  accountId,
  ownerRef: 'o',
  currency,
  overdraftLimit: 0,
  balance,
  transfersInFlight: [],
});
const request = (overrides: Partial<Extract<TransferCommand, { type: 'RequestTransfer' }>> = {}) =>
  ({
    type: 'RequestTransfer',
    transferId: 't1',
    fromAccountId: 'a',
    toAccountId: 'b',
    amount: 25,
    source: account('a'),
    destination: account('b'),
    ...overrides,
  }) as const;
const requested: TransferEvent = {
  type: 'TransferRequested',
  data: { transferId: 't1', fromAccountId: 'a', toAccountId: 'b', amount: 25, currency: 'EUR' },
};
const sourceDebited: TransferEvent = { type: 'TransferSourceDebited', data: { transferId: 't1' } };
const creditRefused: TransferEvent = {
  type: 'TransferCreditRefused',
  data: { transferId: 't1', reason: 'ACCOUNT_CLOSED' },
};

describe('transfer decisions', () => {
  it('records a request in the source currency', () =>
    given()
      .when(request({ reference: 'rent' }))
      .then([{ ...requested, data: { ...requested.data, reference: 'rent' } }] as TransferEvent[]));
  it('does not check funds at request time: the debit step decides', () =>
    given()
      .when(request({ amount: 10_000 }))
      .then([{ ...requested, data: { ...requested.data, amount: 10_000 } }] as TransferEvent[]));
  it('refuses a transfer to the same account', () =>
    given()
      .when(request({ toAccountId: 'a', destination: account('a') }))
      .thenRefused('SAME_ACCOUNT_TRANSFER'));
  it('refuses an unknown source', () =>
    given()
      .when(request({ source: { status: 'none' } }))
      .thenRefused('ACCOUNT_NOT_FOUND'));
  it('refuses an unknown destination', () =>
    given()
      .when(request({ destination: { status: 'none' } }))
      .thenRefused('ACCOUNT_NOT_FOUND'));
  it('refuses accounts of different currencies', () =>
    given()
      .when(request({ destination: account('b', 'USD') }))
      .thenRefused('CURRENCY_MISMATCH'));
  it('refuses a non-positive amount', () =>
    given()
      .when(request({ amount: 0 }))
      .thenRefused('INVALID_AMOUNT'));
  it('takes the largest exact amount and refuses one beyond it', () => {
    given()
      .when(request({ amount: MAX_MINOR_UNITS }))
      .then([
        { ...requested, data: { ...requested.data, amount: MAX_MINOR_UNITS } },
      ] as TransferEvent[]);
    given()
      .when(request({ amount: MAX_MINOR_UNITS + 1 }))
      .thenRefused('AMOUNT_OUT_OF_RANGE');
  });
  describe('to a destination the caller may not see', () => {
    it('judges nothing about it: the request names it in the source currency', () =>
      given()
        .when(request({ destination: NOT_VISIBLE }))
        .then([requested]));
    it('still refuses what concerns only the caller', () => {
      given()
        .when(request({ destination: NOT_VISIBLE, source: { status: 'none' } }))
        .thenRefused('ACCOUNT_NOT_FOUND');
      given()
        .when(request({ destination: NOT_VISIBLE, toAccountId: 'a' }))
        .thenRefused('SAME_ACCOUNT_TRANSFER');
    });
  });
  it('refuses to request the same transfer twice', () =>
    given(requested).when(request()).thenRefused('TRANSFER_ALREADY_EXISTS'));

  it('moves from requested to debited to completed', () => {
    given(requested).when({ type: 'RecordSourceDebited' }).then([sourceDebited]);
    given(requested, sourceDebited)
      .when({ type: 'CompleteTransfer' })
      .then([{ type: 'TransferCompleted', data: { transferId: 't1' } }]);
  });
  it('fails without refund when the debit is refused', () =>
    given(requested)
      .when({ type: 'FailTransfer', reason: 'INSUFFICIENT_FUNDS', refunded: false })
      .then([
        {
          type: 'TransferFailed',
          data: { transferId: 't1', reason: 'INSUFFICIENT_FUNDS', refunded: false },
        },
      ]));
  it('fails with refund only after the credit was refused', () => {
    given(requested, sourceDebited)
      .when({ type: 'RecordCreditRefused', reason: 'ACCOUNT_CLOSED' })
      .then([creditRefused]);
    given(requested, sourceDebited, creditRefused)
      .when({ type: 'FailTransfer', reason: 'ACCOUNT_CLOSED', refunded: true })
      .then([
        {
          type: 'TransferFailed',
          data: { transferId: 't1', reason: 'ACCOUNT_CLOSED', refunded: true },
        },
      ]);
  });
  it('refuses steps out of order', () => {
    given(requested).when({ type: 'CompleteTransfer' }).thenRefused('INVALID_TRANSFER_STATE');
    given(requested, sourceDebited)
      .when({ type: 'FailTransfer', reason: 'x', refunded: false })
      .thenRefused('INVALID_TRANSFER_STATE');
    given().when({ type: 'CompleteTransfer' }).thenRefused('TRANSFER_NOT_FOUND');
  });
});
