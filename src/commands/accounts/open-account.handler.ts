import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { mayGrantCredit } from '../../auth/access';
import { accountDecider } from '../../domain/accounts/account.decider';
import type { CommandContext, CommandResult } from '../command-context';
import { CommandExecutor } from '../command-executor';
import { CommandNotPermittedError } from '../command.errors';

export class OpenAccountCommand extends Command<CommandResult> {
  constructor(
    readonly accountId: string,
    readonly ownerId: string,
    readonly currency: string,
    readonly overdraftLimit: number,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(OpenAccountCommand)
export class OpenAccountHandler implements ICommandHandler<OpenAccountCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ accountId, ownerId, currency, overdraftLimit, context }: OpenAccountCommand) {
    if (overdraftLimit !== 0 && !mayGrantCredit(context.actor)) {
      throw new CommandNotPermittedError(
        'OVERDRAFT_NOT_PERMITTED',
        'Only a teller opens an account with an overdraft limit; open it without one',
      );
    }
    return this.executor.execute(
      accountDecider,
      accountId,
      { type: 'OpenAccount', accountId, ownerId, currency, overdraftLimit },
      context,
    );
  }
}
