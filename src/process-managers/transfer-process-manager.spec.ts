import type { AccountCommand } from '../domain/accounts/account.commands';
import type { Decider } from '../domain/decider';
import { DomainError, type DomainErrorCode } from '../domain/domain-error';
import type { TransferCommand } from '../domain/transfers/transfer.commands';
import type { TransferEvent } from '../domain/transfers/transfer.events';
import {
  evolveTransfer,
  initialTransferState,
  type TransferState,
} from '../domain/transfers/transfer.state';
import type { CommandContext, CommandResult } from '../commands/command-context';
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

/** The executor's one method, as the fakes below stand in for it. */
type Execute = (
  decider: Decider<unknown, never, unknown>,
  id: string,
  command: AccountCommand | TransferCommand,
  context: CommandContext,
) => Promise<CommandResult>;

/** A manager over a fake executor, and a fake loader that gives each transfer's state by id. */
function managerOver(
  execute: Execute,
  load: (transferId: string) => { state: TransferState; revision: number },
): TransferProcessManager {
  const executor = { execute } as unknown as CommandExecutor;
  const aggregates = {
    load: async (_decider: unknown, id: string) => load(id),
  } as unknown as AggregateLoader;
  return new TransferProcessManager(executor, aggregates);
}

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
      const manager = managerOver(
        async (_decider, id, command, context) => {
          steps.push([id, command, context.commandId]);
          const refusal = refusals[command.type as AccountCommand['type']];
          if (refusal) throw new DomainError(refusal, `refused ${command.type}`);
          return { streamId: id, revision: 0, position: 0 };
        },
        () => ({ state, revision: history.length - 1 }),
      );
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
    const manager = managerOver(
      () => Promise.reject(new Error('store unavailable')),
      () => ({ state: evolveTransfer(initialTransferState, requested), revision: 0 }),
    );
    await expect(manager.handle([delivered(requested)])).rejects.toThrow('store unavailable');
  });
});

/**
 * A batch of many transfers, against an executor whose commands take a while: which commands are
 * in flight together, and in which order each account and transfer sees its commands.
 */
function batchOf(transfers: { id: string; from: string; to: string }[]) {
  const states = new Map(
    transfers.map(({ id, from, to }) => [
      id,
      evolveTransfer(initialTransferState, {
        type: 'TransferRequested',
        data: { ...request, transferId: id, fromAccountId: from, toAccountId: to },
      }),
    ]),
  );
  const inFlight = new Set<string>();
  const together: string[][] = [];
  const seen = new Map<string, string[]>();
  let most = 0;
  let failing: string | undefined;
  const manager = managerOver(
    async (decider, id, command, context) => {
      const stream = decider.streamId(id);
      inFlight.add(context.commandId);
      together.push([...inFlight]);
      most = Math.max(most, inFlight.size);
      seen.set(stream, [...(seen.get(stream) ?? []), context.commandId]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight.delete(context.commandId);
      if (context.commandId === failing) throw new Error('store unavailable');
      const transferId = (command as { transferId?: string }).transferId ?? id;
      if (command.type === 'RecordSourceDebited') {
        states.set(transferId, evolveTransfer(states.get(transferId)!, debitedOf(transferId)));
      }
      return { streamId: stream, revision: 0, position: 0 };
    },
    (id) => ({ state: states.get(id) ?? initialTransferState, revision: 0 }),
  );
  return {
    manager,
    failAt: (commandId: string) => (failing = commandId),
    most: () => most,
    inFlight: () => inFlight.size,
    together,
    seen,
  };
}

/** Twenty transfers that share no account with each other, their ids starting with `prefix`. */
const unrelatedTransfers = (prefix: string) =>
  Array.from({ length: 20 }, (_, i) => ({ id: `${prefix}${i}`, from: `from-${i}`, to: `to-${i}` }));

const debitedOf = (transferId: string): TransferEvent => ({
  type: 'TransferSourceDebited',
  data: { transferId },
});
const requestOf = (transferId: string): EventEnvelope => ({
  ...delivered(requested),
  eventId: `e-${transferId}`,
  data: { ...request, transferId },
});
const debitDelivered = (transferId: string): EventEnvelope => ({
  ...delivered(debitedOf(transferId)),
  eventId: `d-${transferId}`,
});

describe('the transfer process manager, many transfers in one batch', () => {
  it('advances transfers that share no account side by side, at most 8 at a time', async () => {
    const transfers = unrelatedTransfers('p');
    const batch = batchOf(transfers);

    await batch.manager.handle(transfers.map(({ id }) => requestOf(id)));

    expect(batch.most()).toBe(8);
    // Each still debits before it records the debit.
    for (const { id, from } of transfers) {
      expect(batch.seen.get(`account-${from}`)).toEqual([`transfer:${id}:debit`]);
      expect(batch.seen.get(`transfer-${id}`)).toEqual([`transfer:${id}:debited`]);
    }
  });

  it('keeps log order for transfers that share an account, and each transfer its own steps in order', async () => {
    const batch = batchOf([
      { id: 'a', from: 'alice', to: 'bob' },
      { id: 'b', from: 'carol', to: 'alice' },
      { id: 'c', from: 'dave', to: 'erin' },
    ]);

    await batch.manager.handle([
      requestOf('a'),
      requestOf('b'),
      requestOf('c'),
      debitDelivered('a'),
      debitDelivered('b'),
    ]);

    expect(batch.seen.get('account-alice')).toEqual([
      'transfer:a:debit',
      'transfer:a:settle',
      'transfer:b:credit',
    ]);
    expect(batch.seen.get('transfer-a')).toEqual(['transfer:a:debited', 'transfer:a:complete']);
    const linked = (commandId: string) => /^transfer:[ab]:/.test(commandId);
    // a and b share alice: never two of their commands at once; c runs beside them.
    expect(batch.together.every((running) => running.filter(linked).length <= 1)).toBe(true);
    expect(
      batch.together.some(
        (running) => running.includes('transfer:c:debit') && running.some(linked),
      ),
    ).toBe(true);
  });

  it('starts no further transfer after a failure, and ends the batch only once the running ones are done', async () => {
    const transfers = unrelatedTransfers('f');
    const batch = batchOf(transfers);
    batch.failAt('transfer:f0:debit');

    await expect(batch.manager.handle(transfers.map(({ id }) => requestOf(id)))).rejects.toThrow(
      'store unavailable',
    );

    expect(batch.inFlight()).toBe(0);
    const debited = transfers.filter(({ from }) => batch.seen.has(`account-${from}`));
    expect(debited).toHaveLength(8);
  });
});
