import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { mayGrantCredit } from '../../auth/access';
import { accountDecider } from '../../domain/accounts/account.decider';
import type { CommandContext, CommandResult } from '../command-context';
import { CommandExecutor } from '../command-executor';
import { CommandNotPermittedError } from '../command.errors';

export class SetOverdraftLimitCommand extends Command<CommandResult> {
  constructor(
    readonly accountId: string,
    readonly overdraftLimit: number,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** Grants, changes or withdraws credit on any account; refused before anything is read. */
@CommandHandler(SetOverdraftLimitCommand)
export class SetOverdraftLimitHandler implements ICommandHandler<SetOverdraftLimitCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ accountId, overdraftLimit, context }: SetOverdraftLimitCommand) {
    if (!mayGrantCredit(context.actor)) {
      throw new CommandNotPermittedError(
        'OVERDRAFT_NOT_PERMITTED',
        'Only a teller or an admin sets an overdraft limit',
      );
    }
    return this.executor.execute(
      accountDecider,
      accountId,
      { type: 'SetOverdraftLimit', overdraftLimit },
      context,
    );
  }
}
