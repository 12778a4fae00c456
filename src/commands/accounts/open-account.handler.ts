import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { accountDecider } from '../../domain/accounts/account.decider';
import type { CommandContext, CommandResult } from '../command-context';
import { CommandExecutor } from '../command-executor';

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
    return this.executor.execute(
      accountDecider,
      accountId,
      { type: 'OpenAccount', accountId, ownerId, currency, overdraftLimit },
      context,
    );
  }
}
