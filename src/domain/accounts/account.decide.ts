import { DomainError } from '../domain-error';
import {
  assertKnownCurrency,
  assertOverdraftLimit,
  assertPositiveAmount,
  balanceAfter,
  covers,
} from '../money';
import type { AccountCommand } from './account.commands';
import type { AccountEvent, DepositChannel } from './account.events';
import type { AccountState, TransferInFlight } from './account.state';

type OpenAccount = Exclude<AccountState, { status: 'none' }>;

/** Deposit commands come only through the HTTP API today (see DepositChannel). */
const DEPOSIT_CHANNEL: DepositChannel = 'api';

export function decideAccount(command: AccountCommand, state: AccountState): AccountEvent[] {
  if (command.type === 'OpenAccount') return open(command, state);
  if (state.status === 'none') {
    throw new DomainError('ACCOUNT_NOT_FOUND', 'Account does not exist');
  }
  // A refund returns money that already left this account, so it is never refused: its amount
  // stayed reserved while the transfer was in flight, so the balance it leaves is in range.
  if (command.type === 'RefundTransfer') {
    assertPositiveAmount(command.amount);
    const others = state.transfersInFlight.filter((t) => t.transferId !== command.transferId);
    return [
      {
        type: 'TransferRefunded',
        data: {
          transferId: command.transferId,
          amount: command.amount,
          balanceAfter: balanceAfter(state.balance, command.amount, amountsOf(others)),
        },
      },
    ];
  }
  if (command.type === 'SettleTransferDebit') {
    if (!state.transfersInFlight.some((t) => t.transferId === command.transferId)) return [];
    return [{ type: 'TransferDebitSettled', data: { transferId: command.transferId } }];
  }
  if (state.status === 'closed') {
    throw new DomainError('ACCOUNT_CLOSED', `Account ${state.accountId} is closed`);
  }
  switch (command.type) {
    case 'DepositMoney':
      assertPositiveAmount(command.amount);
      return [
        {
          type: 'MoneyDeposited',
          data: withReference(
            {
              amount: command.amount,
              balanceAfter: credited(state, command.amount),
              channel: DEPOSIT_CHANNEL,
            },
            command.reference,
          ),
        },
      ];
    case 'WithdrawMoney':
      assertPositiveAmount(command.amount);
      assertCovered(state, command.amount);
      return [
        {
          type: 'MoneyWithdrawn',
          data: withReference(
            { amount: command.amount, balanceAfter: balanceAfter(state.balance, -command.amount) },
            command.reference,
          ),
        },
      ];
    case 'DebitForTransfer': {
      const { transferId, toAccountId, amount } = command;
      assertPositiveAmount(amount);
      assertSameCurrency(state, command.currency);
      assertCovered(state, amount);
      const after = balanceAfter(state.balance, -amount);
      return [
        { type: 'TransferDebited', data: { transferId, toAccountId, amount, balanceAfter: after } },
      ];
    }
    case 'CreditForTransfer': {
      const { transferId, fromAccountId, amount } = command;
      assertPositiveAmount(amount);
      assertSameCurrency(state, command.currency);
      const after = credited(state, amount);
      return [
        {
          type: 'TransferCredited',
          data: { transferId, fromAccountId, amount, balanceAfter: after },
        },
      ];
    }
    case 'CloseAccount':
      if (state.balance !== 0) {
        throw new DomainError(
          'BALANCE_NOT_ZERO',
          `Account ${state.accountId} has balance ${state.balance}; only a zero balance closes`,
        );
      }
      if (state.transfersInFlight.length > 0) {
        const ids = state.transfersInFlight.map((t) => t.transferId).join(', ');
        throw new DomainError(
          'TRANSFER_IN_FLIGHT',
          `Account ${state.accountId} has transfers in flight: ${ids}`,
        );
      }
      return [{ type: 'AccountClosed', data: {} }];
    case 'SetOverdraftLimit':
      assertOverdraftLimit(command.overdraftLimit);
      // Lowering a limit below what is drawn is allowed: it moves no money, and the account then
      // takes only money in until it is back within its limit.
      if (command.overdraftLimit === state.overdraftLimit) return [];
      return [
        {
          type: 'OverdraftLimitChanged',
          data: { overdraftLimit: command.overdraftLimit, previousLimit: state.overdraftLimit },
        },
      ];
    default: {
      const unhandled: never = command;
      return unhandled;
    }
  }
}

function open(
  command: Extract<AccountCommand, { type: 'OpenAccount' }>,
  state: AccountState,
): AccountEvent[] {
  if (state.status !== 'none') {
    throw new DomainError('ACCOUNT_ALREADY_EXISTS', `Account ${command.accountId} already exists`);
  }
  assertKnownCurrency(command.currency);
  assertOverdraftLimit(command.overdraftLimit);
  const { accountId, ownerId, currency, overdraftLimit } = command;
  return [{ type: 'AccountOpened', data: { accountId, ownerId, currency, overdraftLimit } }];
}

/** Money in keeps room for the transfers in flight, which may come back as refunds. */
function credited(state: OpenAccount, amount: number): number {
  return balanceAfter(state.balance, amount, amountsOf(state.transfersInFlight));
}

function amountsOf(transfers: readonly TransferInFlight[]): number[] {
  return transfers.map((transfer) => transfer.amount);
}

function assertCovered(state: OpenAccount, amount: number): void {
  if (!covers(state.balance, state.overdraftLimit, amount)) {
    throw new DomainError(
      'INSUFFICIENT_FUNDS',
      `Account ${state.accountId} cannot cover ${amount}: balance ${state.balance}, overdraft limit ${state.overdraftLimit}`,
    );
  }
}

function assertSameCurrency(state: OpenAccount, currency: string): void {
  if (state.currency !== currency) {
    throw new DomainError(
      'CURRENCY_MISMATCH',
      `Account ${state.accountId} holds ${state.currency}, not ${currency}`,
    );
  }
}

function withReference<T extends object>(data: T, reference: string | undefined) {
  return reference === undefined ? data : { ...data, reference };
}
