import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { accountDecider } from '../../domain/accounts/account.decider';
import type { CommandContext, CommandResult } from '../command-context';
import { CommandExecutor } from '../command-executor';
import { accountVisibleTo } from './account-access';
import { SubjectIndex } from '../../privacy/subject-index';

export class CloseAccountCommand extends Command<CommandResult> {
  constructor(
    readonly accountId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(CloseAccountCommand)
export class CloseAccountHandler implements ICommandHandler<CloseAccountCommand> {
  private readonly indexOf: (subject: string) => string;

  constructor(
    private readonly executor: CommandExecutor,
    index: SubjectIndex,
  ) {
    this.indexOf = (subject) => index.of(subject);
  }

  execute({ accountId, context }: CloseAccountCommand) {
    return this.executor.execute(
      accountDecider,
      accountId,
      { type: 'CloseAccount' },
      context,
      accountVisibleTo(context.actor, this.indexOf),
    );
  }
}
