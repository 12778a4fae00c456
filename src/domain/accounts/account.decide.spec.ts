import { DomainError } from '../domain-error';
import { MAX_MINOR_UNITS } from '../money';
import type { AccountCommand } from './account.commands';
import { decideAccount } from './account.decide';
import type { AccountEvent } from './account.events';
import { evolveAccount, initialAccountState } from './account.state';

const given = (...events: AccountEvent[]) => ({
  when: (command: AccountCommand) => {
    const state = events.reduce(evolveAccount, initialAccountState);
    return {
      then: (expected: AccountEvent[]) => expect(decideAccount(command, state)).toEqual(expected),
      thenRefused: (code: string) => {
        let error: unknown;
        try {
          decideAccount(command, state);
        } catch (thrown) {
          error = thrown;
        }
        expect(error).toBeInstanceOf(DomainError);
        expect((error as DomainError).code).toBe(code);
      },
    };
  },
});

const opened = (overdraftLimit = 0): AccountEvent => ({
  type: 'AccountOpened',
  data: { accountId: 'a1', ownerId: 'alice', currency: 'EUR', overdraftLimit },
});
const deposited = (amount: number, balanceAfter: number): AccountEvent => ({
  type: 'MoneyDeposited',
  data: { amount, balanceAfter, channel: 'api' },
});
const closed: AccountEvent = { type: 'AccountClosed', data: {} };
const debited = (transferId: string, amount: number, balanceAfter: number): AccountEvent => ({
  type: 'TransferDebited',
  data: { transferId, toAccountId: 'b1', amount, balanceAfter },
});
const open = (overrides: Partial<Extract<AccountCommand, { type: 'OpenAccount' }>> = {}) =>
  ({
    type: 'OpenAccount',
    accountId: 'a1',
    ownerId: 'alice',
    currency: 'EUR',
    overdraftLimit: 0,
    ...overrides,
  }) as const;

describe('account decisions', () => {
  describe('open', () => {
    it('opens a new account', () =>
      given()
        .when(open({ overdraftLimit: 500 }))
        .then([opened(500)]));
    it('refuses to open twice', () =>
      given(opened()).when(open()).thenRefused('ACCOUNT_ALREADY_EXISTS'));
    it('refuses a currency that is not ISO-4217', () =>
      given()
        .when(open({ currency: 'XXZ' }))
        .thenRefused('UNSUPPORTED_CURRENCY'));
    it('refuses a negative overdraft limit', () =>
      given()
        .when(open({ overdraftLimit: -1 }))
        .thenRefused('INVALID_OVERDRAFT_LIMIT'));
    it('refuses a fractional overdraft limit', () =>
      given()
        .when(open({ overdraftLimit: 1.5 }))
        .thenRefused('INVALID_OVERDRAFT_LIMIT'));
    it('takes the largest exact limit and refuses one beyond it', () => {
      given()
        .when(open({ overdraftLimit: MAX_MINOR_UNITS }))
        .then([opened(MAX_MINOR_UNITS)]);
      given()
        .when(open({ overdraftLimit: MAX_MINOR_UNITS + 1 }))
        .thenRefused('AMOUNT_OUT_OF_RANGE');
      given()
        .when(open({ overdraftLimit: 1e300 }))
        .thenRefused('AMOUNT_OUT_OF_RANGE');
    });
  });

  describe('deposit', () => {
    it('adds to the balance and records the reference', () =>
      given(opened(), deposited(100, 100))
        .when({ type: 'DepositMoney', amount: 50, reference: 'salary' })
        .then([
          {
            type: 'MoneyDeposited',
            data: { amount: 50, balanceAfter: 150, channel: 'api', reference: 'salary' },
          },
        ]));
    it('needs an open account', () =>
      given().when({ type: 'DepositMoney', amount: 1 }).thenRefused('ACCOUNT_NOT_FOUND'));
    it('is refused on a closed account', () =>
      given(opened(), closed)
        .when({ type: 'DepositMoney', amount: 1 })
        .thenRefused('ACCOUNT_CLOSED'));
    it.each([0, -5, 1.5, Number.NaN, Infinity])('refuses amount %p', (amount) =>
      given(opened()).when({ type: 'DepositMoney', amount }).thenRefused('INVALID_AMOUNT'),
    );
    it.each([MAX_MINOR_UNITS + 1, 2 ** 60, 1e300])('refuses amount %p as out of range', (amount) =>
      given(opened()).when({ type: 'DepositMoney', amount }).thenRefused('AMOUNT_OUT_OF_RANGE'),
    );
    it('fills the account up to the largest exact balance, and no further', () => {
      given(opened())
        .when({ type: 'DepositMoney', amount: MAX_MINOR_UNITS })
        .then([
          {
            type: 'MoneyDeposited',
            data: { amount: MAX_MINOR_UNITS, balanceAfter: MAX_MINOR_UNITS, channel: 'api' },
          },
        ]);
      given(opened(), deposited(MAX_MINOR_UNITS, MAX_MINOR_UNITS))
        .when({ type: 'DepositMoney', amount: MAX_MINOR_UNITS })
        .thenRefused('AMOUNT_OUT_OF_RANGE');
      given(opened(), deposited(MAX_MINOR_UNITS, MAX_MINOR_UNITS))
        .when({ type: 'DepositMoney', amount: 1 })
        .thenRefused('AMOUNT_OUT_OF_RANGE');
    });
    it('keeps room for a transfer in flight to come back', () =>
      given(opened(), deposited(100, 100), debited('t1', 100, 0))
        .when({ type: 'DepositMoney', amount: MAX_MINOR_UNITS - 99 })
        .thenRefused('AMOUNT_OUT_OF_RANGE'));
  });

  describe('withdraw', () => {
    it('takes from the balance', () =>
      given(opened(), deposited(100, 100))
        .when({ type: 'WithdrawMoney', amount: 100 })
        .then([{ type: 'MoneyWithdrawn', data: { amount: 100, balanceAfter: 0 } }]));
    it('may use the overdraft limit exactly', () =>
      given(opened(50), deposited(100, 100))
        .when({ type: 'WithdrawMoney', amount: 150 })
        .then([{ type: 'MoneyWithdrawn', data: { amount: 150, balanceAfter: -50 } }]));
    it('refuses to go beyond balance plus overdraft', () =>
      given(opened(50), deposited(100, 100))
        .when({ type: 'WithdrawMoney', amount: 151 })
        .thenRefused('INSUFFICIENT_FUNDS'));
    it('is refused on a closed account', () =>
      given(opened(), closed)
        .when({ type: 'WithdrawMoney', amount: 1 })
        .thenRefused('ACCOUNT_CLOSED'));
    it('refuses a zero amount', () =>
      given(opened(), deposited(10, 10))
        .when({ type: 'WithdrawMoney', amount: 0 })
        .thenRefused('INVALID_AMOUNT'));
    it('draws the largest overdraft exactly, and not one unit more', () => {
      given(opened(MAX_MINOR_UNITS))
        .when({ type: 'WithdrawMoney', amount: MAX_MINOR_UNITS })
        .then([
          {
            type: 'MoneyWithdrawn',
            data: { amount: MAX_MINOR_UNITS, balanceAfter: -MAX_MINOR_UNITS },
          },
        ]);
      given(opened(MAX_MINOR_UNITS), {
        type: 'MoneyWithdrawn',
        data: { amount: MAX_MINOR_UNITS, balanceAfter: -MAX_MINOR_UNITS },
      })
        .when({ type: 'WithdrawMoney', amount: 1 })
        .thenRefused('INSUFFICIENT_FUNDS');
    });
    it('takes exactly 1 from the largest balance', () =>
      given(opened(), deposited(MAX_MINOR_UNITS, MAX_MINOR_UNITS))
        .when({ type: 'WithdrawMoney', amount: 1 })
        .then([
          { type: 'MoneyWithdrawn', data: { amount: 1, balanceAfter: MAX_MINOR_UNITS - 1 } },
        ]));
    it('refuses to write an inexact balance after a history beyond the range', () =>
      // Written before amounts were checked: 2 × MAX is a double, but 2 × MAX - 1 is not.
      given(
        opened(),
        deposited(MAX_MINOR_UNITS, MAX_MINOR_UNITS),
        deposited(MAX_MINOR_UNITS, 2 * MAX_MINOR_UNITS),
      )
        .when({ type: 'WithdrawMoney', amount: 1 })
        .thenRefused('AMOUNT_OUT_OF_RANGE'));
  });

  describe('overdraft limit', () => {
    const setLimit = (overdraftLimit: number) =>
      ({ type: 'SetOverdraftLimit', overdraftLimit }) as const;
    const changed = (overdraftLimit: number, previousLimit: number): AccountEvent => ({
      type: 'OverdraftLimitChanged',
      data: { overdraftLimit, previousLimit },
    });
    it('changes the limit, naming the one it replaces', () =>
      given(opened(50))
        .when(setLimit(500))
        .then([changed(500, 50)]));
    it('writes nothing when the limit is already that', () =>
      given(opened(50)).when(setLimit(50)).then([]));
    it('lets the new limit decide the next withdrawal', () => {
      given(opened(), changed(100, 0))
        .when({ type: 'WithdrawMoney', amount: 100 })
        .then([{ type: 'MoneyWithdrawn', data: { amount: 100, balanceAfter: -100 } }]);
      given(opened(), changed(100, 0))
        .when({ type: 'WithdrawMoney', amount: 101 })
        .thenRefused('INSUFFICIENT_FUNDS');
    });
    it('may be lowered below what is drawn: then only money in is taken', () => {
      const drawn: AccountEvent = {
        type: 'MoneyWithdrawn',
        data: { amount: 80, balanceAfter: -80 },
      };
      given(opened(100), drawn)
        .when(setLimit(0))
        .then([changed(0, 100)]);
      given(opened(100), drawn, changed(0, 100))
        .when({ type: 'WithdrawMoney', amount: 1 })
        .thenRefused('INSUFFICIENT_FUNDS');
      given(opened(100), drawn, changed(0, 100))
        .when({ type: 'DepositMoney', amount: 30 })
        .then([
          { type: 'MoneyDeposited', data: { amount: 30, balanceAfter: -50, channel: 'api' } },
        ]);
    });
    it.each([-1, 1.5, Number.NaN])('refuses limit %p', (limit) =>
      given(opened()).when(setLimit(limit)).thenRefused('INVALID_OVERDRAFT_LIMIT'),
    );
    it('takes the largest exact limit and refuses one beyond it', () => {
      given(opened())
        .when(setLimit(MAX_MINOR_UNITS))
        .then([changed(MAX_MINOR_UNITS, 0)]);
      given(opened())
        .when(setLimit(MAX_MINOR_UNITS + 1))
        .thenRefused('AMOUNT_OUT_OF_RANGE');
    });
    it('needs an open account', () => {
      given().when(setLimit(10)).thenRefused('ACCOUNT_NOT_FOUND');
      given(opened(), closed).when(setLimit(10)).thenRefused('ACCOUNT_CLOSED');
    });
  });

  describe('close', () => {
    it('closes at zero balance', () =>
      given(opened())
        .when({ type: 'CloseAccount' })
        .then([{ type: 'AccountClosed', data: {} }]));
    it('refuses a non-zero balance', () =>
      given(opened(), deposited(1, 1))
        .when({ type: 'CloseAccount' })
        .thenRefused('BALANCE_NOT_ZERO'));
    it('refuses a negative balance', () =>
      given(opened(10), { type: 'MoneyWithdrawn', data: { amount: 5, balanceAfter: -5 } })
        .when({ type: 'CloseAccount' })
        .thenRefused('BALANCE_NOT_ZERO'));
    it('refuses while a transfer it sent is in flight', () =>
      given(opened(), deposited(10, 10), debited('t1', 10, 0))
        .when({ type: 'CloseAccount' })
        .thenRefused('TRANSFER_IN_FLIGHT'));
    it('refuses to close twice', () =>
      given(opened(), closed).when({ type: 'CloseAccount' }).thenRefused('ACCOUNT_CLOSED'));
  });

  describe('transfer steps', () => {
    const debit = { type: 'DebitForTransfer', transferId: 't1', toAccountId: 'b1' } as const;
    const credit = { type: 'CreditForTransfer', transferId: 't1', fromAccountId: 'b1' } as const;
    it('debits the source', () =>
      given(opened(), deposited(100, 100))
        .when({ ...debit, amount: 40, currency: 'EUR' })
        .then([debited('t1', 40, 60)]));
    it('refuses a debit beyond the funds', () =>
      given(opened(), deposited(10, 10))
        .when({ ...debit, amount: 40, currency: 'EUR' })
        .thenRefused('INSUFFICIENT_FUNDS'));
    it('refuses a debit in another currency', () =>
      given(opened(), deposited(100, 100))
        .when({ ...debit, amount: 40, currency: 'USD' })
        .thenRefused('CURRENCY_MISMATCH'));
    it('credits the destination', () =>
      given(opened())
        .when({ ...credit, amount: 40, currency: 'EUR' })
        .then([
          {
            type: 'TransferCredited',
            data: { transferId: 't1', fromAccountId: 'b1', amount: 40, balanceAfter: 40 },
          },
        ]));
    it('refuses a credit that would take the balance beyond the range', () => {
      given(opened(), deposited(MAX_MINOR_UNITS, MAX_MINOR_UNITS))
        .when({ ...credit, amount: 1, currency: 'EUR' })
        .thenRefused('AMOUNT_OUT_OF_RANGE');
      given(opened(), deposited(MAX_MINOR_UNITS - 1, MAX_MINOR_UNITS - 1))
        .when({ ...credit, amount: 1, currency: 'EUR' })
        .then([
          {
            type: 'TransferCredited',
            data: {
              transferId: 't1',
              fromAccountId: 'b1',
              amount: 1,
              balanceAfter: MAX_MINOR_UNITS,
            },
          },
        ]);
    });
    it('debits the largest balance exactly', () =>
      given(opened(), deposited(MAX_MINOR_UNITS, MAX_MINOR_UNITS))
        .when({ ...debit, amount: 1, currency: 'EUR' })
        .then([debited('t1', 1, MAX_MINOR_UNITS - 1)]));
    it('keeps room for a refund: money in cannot fill the room a debit in flight holds', () => {
      const full = [opened(), deposited(MAX_MINOR_UNITS, MAX_MINOR_UNITS)];
      const inFlight = debited('t1', 10, MAX_MINOR_UNITS - 10);
      given(...full, inFlight)
        .when({ type: 'DepositMoney', amount: 1 })
        .thenRefused('AMOUNT_OUT_OF_RANGE');
      given(...full, inFlight)
        .when({ ...credit, transferId: 't2', amount: 1, currency: 'EUR' })
        .thenRefused('AMOUNT_OUT_OF_RANGE');
      given(...full, inFlight)
        .when({ type: 'RefundTransfer', transferId: 't1', amount: 10 })
        .then([
          {
            type: 'TransferRefunded',
            data: { transferId: 't1', amount: 10, balanceAfter: MAX_MINOR_UNITS },
          },
        ]);
    });
    it('refuses a credit to a closed account', () =>
      given(opened(), closed)
        .when({ ...credit, amount: 40, currency: 'EUR' })
        .thenRefused('ACCOUNT_CLOSED'));
    it('refunds and clears the transfer in flight, so the account can close', () => {
      const history = [opened(), deposited(40, 40), debited('t1', 40, 0)];
      given(...history)
        .when({ type: 'RefundTransfer', transferId: 't1', amount: 40 })
        .then([
          { type: 'TransferRefunded', data: { transferId: 't1', amount: 40, balanceAfter: 40 } },
        ]);
      const refunded: AccountEvent = {
        type: 'TransferRefunded',
        data: { transferId: 't1', amount: 40, balanceAfter: 40 },
      };
      const withdrawn: AccountEvent = {
        type: 'MoneyWithdrawn',
        data: { amount: 40, balanceAfter: 0 },
      };
      given(...history, refunded, withdrawn)
        .when({ type: 'CloseAccount' })
        .then([closed]);
    });
    it('settles a debit once the money arrived, so the account can close', () => {
      given(opened(), deposited(40, 40), debited('t1', 40, 0))
        .when({ type: 'SettleTransferDebit', transferId: 't1' })
        .then([{ type: 'TransferDebitSettled', data: { transferId: 't1' } }]);
      given(opened(), deposited(40, 40), debited('t1', 40, 0), {
        type: 'TransferDebitSettled',
        data: { transferId: 't1' },
      })
        .when({ type: 'CloseAccount' })
        .then([closed]);
    });
    it('settling twice has no second effect', () =>
      given(opened(), deposited(40, 40), debited('t1', 40, 0), {
        type: 'TransferDebitSettled',
        data: { transferId: 't1' },
      })
        .when({ type: 'SettleTransferDebit', transferId: 't1' })
        .then([]));
  });
});
