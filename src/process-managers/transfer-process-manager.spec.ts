import type { AccountCommand } from '../domain/accounts/account.commands';
import type { Decider } from '../domain/decider';
import { DomainError, type DomainErrorCode } from '../domain/domain-error';
import type { TransferCommand } from '../domain/transfers/transfer.commands';
import type { TransferEvent } from '../domain/transfers/transfer.events';
import { evolveTransfer, initialTransferState } from '../domain/transfers/transfer.state';
import type { CommandContext } from '../commands/command-context';
import type { CommandExecutor } from '../commands/command-executor';
import type { EventEnvelope } from '../event-store/event-envelope';
import type { AggregateLoader } from '../history/aggregate-loader';
import { TransferProcessManager } from './transfer-process-manager';

type Step = [aggregate: string, command: AccountCommand | TransferCommand, commandId: string];

const request = {
  transferId: 't1',
  fromAccountId: 'alice',
  toAccountId: 'bob',
  amount: 4200,
  currency: 'EUR',
};
const requested: TransferEvent = { type: 'TransferRequested', data: request };
const debited: TransferEvent = { type: 'TransferSourceDebited', data: { transferId: 't1' } };
const creditRefused: TransferEvent = {
  type: 'TransferCreditRefused',
  data: { transferId: 't1', reason: 'ACCOUNT_CLOSED' },
};
const failed: TransferEvent = {
  type: 'TransferFailed',
  data: { transferId: 't1', reason: 'INSUFFICIENT_FUNDS', refunded: false },
};

const delivered = (event: TransferEvent): EventEnvelope => ({
  ...event,
  eventId: `e-${event.type}`,
  streamId: 'transfer-t1',
  revision: 0,
  position: 1,
  recordedAt: '2026-12-01T10:00:00.000Z',
  schemaVersion: 1,
  metadata: {
    actor: { subject: 'alice', roles: ['client'] },
    correlationId: 'c1',
    causationId: 'k1',
    commandId: 'k1',
  },
  hash: '',
});

/**
 * Given the transfer's history, when an event of it is delivered (and some account commands are
 * refused), then the manager issues exactly these commands, in order.
 */
function given(...history: TransferEvent[]) {
  const state = history.reduce(evolveTransfer, initialTransferState);
  return {
    when(
      event: TransferEvent,
      refusals: Partial<Record<AccountCommand['type'], DomainErrorCode>> = {},
    ) {
      const steps: Step[] = [];
      const executor = {
        execute: async (
          _decider: Decider<unknown, never, unknown>,
          id: string,
          command: AccountCommand | TransferCommand,
          context: CommandContext,
        ) => {
          steps.push([id, command, context.commandId]);
          const refusal = refusals[command.type as AccountCommand['type']];
          if (refusal) throw new DomainError(refusal, `refused ${command.type}`);
          return { streamId: id, revision: 0, position: 0 };
        },
      } as unknown as CommandExecutor;
      const aggregates = {
        load: async () => ({ state, revision: history.length - 1 }),
      } as unknown as AggregateLoader;
      const manager = new TransferProcessManager(executor, aggregates);
      return {
        async then(expected: Step[]) {
          await manager.handle([delivered(event)]);
          expect(steps).toEqual(expected);
        },
      };
    },
  };
}

describe('the transfer process manager', () => {
  it('debits the source of a requested transfer, then records the debit', () =>
    given(requested)
      .when(requested)
      .then([
        [
          'alice',
          {
            type: 'DebitForTransfer',
            transferId: 't1',
            toAccountId: 'bob',
            amount: 4200,
            currency: 'EUR',
          },
          'transfer:t1:debit',
        ],
        ['t1', { type: 'RecordSourceDebited' }, 'transfer:t1:debited'],
      ]));

  it('fails a transfer whose source refuses the debit, with nothing to refund', () =>
    given(requested)
      .when(requested, { DebitForTransfer: 'INSUFFICIENT_FUNDS' })
      .then([
        ['alice', expect.objectContaining({ type: 'DebitForTransfer' }), 'transfer:t1:debit'],
        [
          't1',
          { type: 'FailTransfer', reason: 'INSUFFICIENT_FUNDS', refunded: false },
          'transfer:t1:fail',
        ],
      ]));

  it('credits the destination of a debited transfer, settles the debit and completes', () =>
    given(requested, debited)
      .when(debited)
      .then([
        [
          'bob',
          {
            type: 'CreditForTransfer',
            transferId: 't1',
            fromAccountId: 'alice',
            amount: 4200,
            currency: 'EUR',
          },
          'transfer:t1:credit',
        ],
        ['alice', { type: 'SettleTransferDebit', transferId: 't1' }, 'transfer:t1:settle'],
        ['t1', { type: 'CompleteTransfer' }, 'transfer:t1:complete'],
      ]));

  it('records a refused credit with its reason', () =>
    given(requested, debited)
      .when(debited, { CreditForTransfer: 'ACCOUNT_CLOSED' })
      .then([
        ['bob', expect.objectContaining({ type: 'CreditForTransfer' }), 'transfer:t1:credit'],
        [
          't1',
          { type: 'RecordCreditRefused', reason: 'ACCOUNT_CLOSED' },
          'transfer:t1:credit-refused',
        ],
      ]));

  it('refunds the source of a refused credit and fails the transfer as refunded', () =>
    given(requested, debited, creditRefused)
      .when(creditRefused)
      .then([
        ['alice', { type: 'RefundTransfer', transferId: 't1', amount: 4200 }, 'transfer:t1:refund'],
        [
          't1',
          { type: 'FailTransfer', reason: 'ACCOUNT_CLOSED', refunded: true },
          'transfer:t1:fail',
        ],
      ]));

  it('passes over a redelivered request whose transfer has moved on', () =>
    given(requested, failed).when(requested).then([]));

  it('passes over a redelivered debit once the credit was refused', () =>
    given(requested, debited, creditRefused).when(debited).then([]));

  it('acts on nothing but the three steps', () =>
    given(requested, debited, { type: 'TransferCompleted', data: { transferId: 't1' } })
      .when({ type: 'TransferCompleted', data: { transferId: 't1' } })
      .then([]));

  it('lets an error that is not a refusal end the batch, for the host to retry', async () => {
    const executor = {
      execute: () => Promise.reject(new Error('store unavailable')),
    } as unknown as CommandExecutor;
    const aggregates = {
      load: async () => ({ state: evolveTransfer(initialTransferState, requested), revision: 0 }),
    } as unknown as AggregateLoader;
    const manager = new TransferProcessManager(executor, aggregates);
    await expect(manager.handle([delivered(requested)])).rejects.toThrow('store unavailable');
  });
});
