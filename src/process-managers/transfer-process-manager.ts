import { Injectable, Logger } from '@nestjs/common';
import { accountDecider } from '../domain/accounts/account.decider';
import { DomainError } from '../domain/domain-error';
import type { TransferCommand } from '../domain/transfers/transfer.commands';
import { transferDecider } from '../domain/transfers/transfer.decider';
import type { TransferState } from '../domain/transfers/transfer.state';
import type { AccountCommand } from '../domain/accounts/account.commands';
import type { EventEnvelope } from '../event-store/event-envelope';
import { AggregateLoader } from '../history/aggregate-loader';
import type { CommandContext } from '../commands/command-context';
import { CommandExecutor } from '../commands/command-executor';
import type { FeedConsumer } from '../subscriptions/feed-consumer';

type Transfer = Exclude<TransferState, { status: 'none' }>;

/** The transfer state each event leaves behind, for the events this manager acts on. */
const STEP_AFTER: Record<string, TransferState['status'] | undefined> = {
  TransferRequested: 'requested',
  TransferSourceDebited: 'debited',
  TransferCreditRefused: 'credit-refused',
};

/** Lanes of transfers advanced side by side in one batch: each a few commands in flight. */
const TRANSFERS_AT_ONCE = 8;

/**
 * Drives each transfer from the event feed: requested → source debited → destination credited →
 * completed, or refunded and failed. Its memory is the transfer stream itself, and every step has a
 * command id derived from the transfer id, so a step replayed after a crash has no second effect.
 */
@Injectable()
export class TransferProcessManager implements FeedConsumer {
  readonly name = 'transfer-process-manager';
  private readonly logger = new Logger(TransferProcessManager.name);

  constructor(
    private readonly executor: CommandExecutor,
    private readonly aggregates: AggregateLoader,
  ) {}

  /**
   * Acts on an event only while the transfer is still in the state that event put it in. A
   * redelivered event whose step was already decided (a debit refused and the transfer failed,
   * say) is then passed over instead of being decided again on today's balances.
   *
   * Transfers that share no account are advanced side by side, at most TRANSFERS_AT_ONCE lanes
   * at a time; within a lane (one transfer, or transfers linked by an account) events are taken
   * in log order, so every account sees the steps in the order a one-by-one run would give. Every
   * event of a batch was recorded before any step taken for it, so none of them can depend on
   * another lane's steps.
   */
  async handle(events: EventEnvelope[]): Promise<void> {
    const steps = events.filter((event) => STEP_AFTER[event.type] !== undefined);
    if (steps.length === 0) return;
    const transfers = new Map<string, TransferState>();
    for (const event of steps) transfers.set(transferIdOf(event), { status: 'none' });
    await atMostAtOnce([...transfers.keys()], TRANSFERS_AT_ONCE, async (transferId) => {
      transfers.set(transferId, await this.transferNow(transferId));
    });
    await atMostAtOnce(lanesOf(steps, transfers), TRANSFERS_AT_ONCE, async (lane) => {
      for (const event of lane) await this.advance(event);
    });
  }

  private async advance(event: EventEnvelope): Promise<void> {
    const transfer = await this.transferNow(transferIdOf(event));
    if (transfer.status === 'none' || transfer.status !== STEP_AFTER[event.type]) return;
    if (event.type === 'TransferRequested') await this.debitSource(transfer, event);
    if (event.type === 'TransferSourceDebited') await this.creditDestination(transfer, event);
    if (event.type === 'TransferCreditRefused') await this.refundSource(transfer, event);
  }

  private async debitSource(transfer: Transfer, event: EventEnvelope): Promise<void> {
    const { transferId, fromAccountId, toAccountId, amount, currency } = transfer;
    const debit: AccountCommand = {
      type: 'DebitForTransfer',
      transferId,
      toAccountId,
      amount,
      currency,
    };
    const refusal = await this.tryAccountStep(fromAccountId, debit, 'debit', event);
    if (refusal) {
      await this.transferStep(
        transferId,
        { type: 'FailTransfer', reason: refusal, refunded: false },
        'fail',
        event,
      );
    } else {
      await this.transferStep(transferId, { type: 'RecordSourceDebited' }, 'debited', event);
    }
  }

  private async creditDestination(transfer: Transfer, event: EventEnvelope): Promise<void> {
    const { transferId, fromAccountId, toAccountId, amount, currency } = transfer;
    const credit: AccountCommand = {
      type: 'CreditForTransfer',
      transferId,
      fromAccountId,
      amount,
      currency,
    };
    const refusal = await this.tryAccountStep(toAccountId, credit, 'credit', event);
    if (refusal) {
      await this.transferStep(
        transferId,
        { type: 'RecordCreditRefused', reason: refusal },
        'credit-refused',
        event,
      );
      return;
    }
    await this.accountStep(
      fromAccountId,
      { type: 'SettleTransferDebit', transferId },
      'settle',
      event,
    );
    await this.transferStep(transferId, { type: 'CompleteTransfer' }, 'complete', event);
  }

  private async refundSource(transfer: Transfer, event: EventEnvelope): Promise<void> {
    const { transferId, fromAccountId, amount } = transfer;
    await this.accountStep(
      fromAccountId,
      { type: 'RefundTransfer', transferId, amount },
      'refund',
      event,
    );
    const reason = (event.data as { reason: string }).reason;
    await this.transferStep(
      transferId,
      { type: 'FailTransfer', reason, refunded: true },
      'fail',
      event,
    );
  }

  private async transferNow(transferId: string): Promise<TransferState> {
    return (await this.aggregates.load(transferDecider, transferId)).state;
  }

  /** Runs an account step; a business refusal is an outcome of the transfer, not a failure. */
  private async tryAccountStep(
    accountId: string,
    command: AccountCommand,
    step: string,
    cause: EventEnvelope,
  ): Promise<string | null> {
    try {
      await this.accountStep(accountId, command, step, cause);
      return null;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      this.logger.log(`transfer step ${step} refused: ${error.code}`);
      return error.code;
    }
  }

  private accountStep(
    accountId: string,
    command: AccountCommand,
    step: string,
    cause: EventEnvelope,
  ) {
    const transferId = transferIdOf(cause);
    return this.executor.execute(
      accountDecider,
      accountId,
      command,
      stepContext(transferId, step, cause),
    );
  }

  private transferStep(
    transferId: string,
    command: TransferCommand,
    step: string,
    cause: EventEnvelope,
  ) {
    return this.executor.execute(
      transferDecider,
      transferId,
      command,
      stepContext(transferId, step, cause),
    );
  }
}

/**
 * The batch's step events split into lanes, each in log order: two transfers that name the same
 * account share a lane (transitively), so lanes touch disjoint streams.
 */
function lanesOf(steps: EventEnvelope[], transfers: Map<string, TransferState>): EventEnvelope[][] {
  const parent = new Map<string, string>();
  const root = (key: string): string => {
    let at = key;
    while (parent.has(at) && parent.get(at) !== at) at = parent.get(at)!;
    parent.set(key, at);
    return at;
  };
  const join = (a: string, b: string) => parent.set(root(a), root(b));
  for (const [transferId, transfer] of transfers) {
    parent.set(`transfer:${transferId}`, root(`transfer:${transferId}`));
    // A transfer not found has no accounts: it is passed over, alone in its lane.
    if (transfer.status === 'none') continue;
    join(`account:${transfer.fromAccountId}`, `transfer:${transferId}`);
    join(`account:${transfer.toAccountId}`, `transfer:${transferId}`);
  }
  const lanes = new Map<string, EventEnvelope[]>();
  for (const event of steps) {
    const lane = root(`transfer:${transferIdOf(event)}`);
    if (!lanes.has(lane)) lanes.set(lane, []);
    lanes.get(lane)!.push(event);
  }
  return [...lanes.values()];
}

/**
 * Runs `work` on every item, at most `limit` at a time. After a failure no further item starts;
 * those already running finish before the first error is thrown, so nothing of this batch is
 * still running when the host redelivers it.
 */
async function atMostAtOnce<T>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const worker = async () => {
    while (next < items.length && failures.length === 0) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failures.length > 0) throw failures[0];
}

function transferIdOf(event: EventEnvelope): string {
  return (event.data as { transferId: string }).transferId;
}

function stepContext(transferId: string, step: string, cause: EventEnvelope): CommandContext {
  return {
    commandId: `transfer:${transferId}:${step}`,
    actor: cause.metadata.actor,
    correlationId: cause.metadata.correlationId,
    causationId: cause.eventId,
    // A step replayed after a crash may find its first attempt behind many later events.
    replayableSince: cause.recordedAt,
    ...(cause.metadata.traceparent ? { traceparent: cause.metadata.traceparent } : {}),
  };
}
