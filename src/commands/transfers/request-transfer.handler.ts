import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { transferDecider } from '../../domain/transfers/transfer.decider';
import { accountVisibleTo } from '../accounts/account-access';
import { AccountLoader } from '../accounts/account-loader';
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
    private readonly accounts: AccountLoader,
  ) {}

  async execute(command: RequestTransferCommand) {
    const { transferId, fromAccountId, toAccountId, amount, reference, context } = command;
    const [source, destination] = await Promise.all([
      this.accounts.load(fromAccountId),
      this.accounts.load(toAccountId),
    ]);
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
