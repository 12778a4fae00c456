import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { accountDecider } from '../../domain/accounts/account.decider';
import { transferDecider } from '../../domain/transfers/transfer.decider';
import { AggregateLoader } from '../../history/aggregate-loader';
import { accountVisibleTo } from '../accounts/account-access';
import type { CommandContext, CommandResult } from '../command-context';
import { CommandExecutor } from '../command-executor';

export class RequestTransferCommand extends Command<CommandResult> {
  constructor(
    readonly transferId: string,
    readonly fromAccountId: string,
    readonly toAccountId: string,
    readonly amount: number,
    readonly reference: string | undefined,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** Records the request only; the transfer process manager moves the money step by step. */
@CommandHandler(RequestTransferCommand)
export class RequestTransferHandler implements ICommandHandler<RequestTransferCommand> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly aggregates: AggregateLoader,
  ) {}

  async execute(command: RequestTransferCommand) {
    const { transferId, fromAccountId, toAccountId, amount, reference, context } = command;
    const [source, destination] = await Promise.all([
      this.aggregates.load(accountDecider, fromAccountId),
      this.aggregates.load(accountDecider, toAccountId),
    ]).then((loaded) => loaded.map(({ state }) => state));
    // Money leaves only the caller's own accounts (any account, for a teller).
    accountVisibleTo(context.actor)(source);
    return this.executor.execute(
      transferDecider,
      transferId,
      {
        type: 'RequestTransfer',
        transferId,
        fromAccountId,
        toAccountId,
        amount,
        reference,
        source,
        destination,
      },
      context,
    );
  }
}
