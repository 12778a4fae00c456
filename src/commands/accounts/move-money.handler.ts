import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { mayBringMoneyIn } from '../../auth/access';
import { accountDecider } from '../../domain/accounts/account.decider';
import type { CommandContext, CommandResult } from '../command-context';
import { CommandExecutor } from '../command-executor';
import { CommandNotPermittedError } from '../command.errors';
import { accountVisibleTo } from './account-access';
import { SubjectIndex } from '../../privacy/subject-index';

/** A deposit or a withdrawal: the same load-decide-append, told apart by `direction`. */
export class MoveMoneyCommand extends Command<CommandResult> {
  constructor(
    readonly direction: 'deposit' | 'withdrawal',
    readonly accountId: string,
    readonly amount: number,
    readonly reference: string | undefined,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(MoveMoneyCommand)
export class MoveMoneyHandler implements ICommandHandler<MoveMoneyCommand> {
  private readonly indexOf: (subject: string) => string;

  constructor(
    private readonly executor: CommandExecutor,
    index: SubjectIndex,
  ) {
    this.indexOf = (subject) => index.of(subject);
  }

  execute({ direction, accountId, amount, reference, context }: MoveMoneyCommand) {
    if (direction === 'deposit' && !mayBringMoneyIn(context.actor)) {
      throw new CommandNotPermittedError('FORBIDDEN', 'Only a teller records deposits');
    }
    const type = direction === 'deposit' ? 'DepositMoney' : 'WithdrawMoney';
    return this.executor.execute(
      accountDecider,
      accountId,
      { type, amount, reference },
      context,
      accountVisibleTo(context.actor, this.indexOf),
    );
  }
}
