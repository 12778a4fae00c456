import { Inject, Injectable, Logger } from '@nestjs/common';
import { accountDecider } from '../domain/accounts/account.decider';
import { DomainError } from '../domain/domain-error';
import type { TransferCommand } from '../domain/transfers/transfer.commands';
import { transferDecider } from '../domain/transfers/transfer.decider';
import type { TransferEvent } from '../domain/transfers/transfer.events';
import type { AccountCommand } from '../domain/accounts/account.commands';
import type { EventEnvelope } from '../event-store/event-envelope';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port';
import type { CommandContext } from '../commands/command-context';
import { CommandExecutor } from '../commands/command-executor';
import type { FeedConsumer } from '../subscriptions/feed-consumer';

type TransferRequested = Extract<TransferEvent, { type: 'TransferRequested' }>['data'];

/**
 * Drives each transfer from the event feed: requested → source debited → destination credited →
 * completed, or refunded and failed. Its memory is the transfer stream itself, and every step has a
 * command id derived from the transfer id, so a step replayed after a crash has no second effect.
 */
@Injectable()
export class TransferProcessManager implements FeedConsumer {
  readonly name = 'transfer-process-manager';
  readonly feedsReadModels = false;
  private readonly logger = new Logger(TransferProcessManager.name);

  constructor(
    private readonly executor: CommandExecutor,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async handle(events: EventEnvelope[]): Promise<void> {
    for (const event of events) {
      switch (event.type) {
        case 'TransferRequested':
          await this.debitSource(event);
          break;
        case 'TransferSourceDebited':
          await this.creditDestination(event);
          break;
        case 'TransferCreditRefused':
          await this.refundSource(event);
          break;
      }
    }
  }

  private async debitSource(event: EventEnvelope): Promise<void> {
    const transfer = await this.requestOf(event);
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

  private async creditDestination(event: EventEnvelope): Promise<void> {
    const { transferId, fromAccountId, toAccountId, amount, currency } =
      await this.requestOf(event);
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

  private async refundSource(event: EventEnvelope): Promise<void> {
    const { transferId, fromAccountId, amount } = await this.requestOf(event);
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

  /** The request holds every fact the steps need; later events only name the transfer. */
  private async requestOf(event: EventEnvelope): Promise<TransferRequested> {
    if (event.type === 'TransferRequested') return event.data as TransferRequested;
    const [requested] = await this.store.readStream(event.streamId, { maxCount: 1 });
    return requested.data as TransferRequested;
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

function transferIdOf(event: EventEnvelope): string {
  return (event.data as { transferId: string }).transferId;
}

function stepContext(transferId: string, step: string, cause: EventEnvelope): CommandContext {
  return {
    commandId: `transfer:${transferId}:${step}`,
    actor: cause.metadata.actor,
    correlationId: cause.metadata.correlationId,
    causationId: cause.eventId,
    ...(cause.metadata.traceparent ? { traceparent: cause.metadata.traceparent } : {}),
  };
}
