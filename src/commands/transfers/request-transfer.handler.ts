import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { mayActOnAccountRef, seesEveryAccount } from '../../auth/access';
import { accountDecider } from '../../domain/accounts/account.decider';
import type { AccountState } from '../../domain/accounts/account.state';
import { NOT_VISIBLE, type NotVisible } from '../../domain/transfers/transfer.commands';
import { transferDecider } from '../../domain/transfers/transfer.decider';
import type { Actor } from '../../event-store/event-envelope';
import { AggregateLoader } from '../../history/aggregate-loader';
import { accountVisibleTo } from '../accounts/account-access';
import type { CommandContext, CommandResult } from '../command-context';
import { CommandExecutor } from '../command-executor';
import { SubjectIndex } from '../../privacy/subject-index';

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
  private readonly indexOf: (subject: string) => string;

  constructor(
    private readonly executor: CommandExecutor,
    private readonly aggregates: AggregateLoader,
    index: SubjectIndex,
  ) {
    this.indexOf = (subject) => index.of(subject);
  }

  async execute(command: RequestTransferCommand) {
    const { transferId, fromAccountId, toAccountId, amount, reference, context } = command;
    // Both are always read, so that the time taken does not depend on what the caller may see.
    const [source, destination] = await Promise.all([
      this.aggregates.load(accountDecider, fromAccountId),
      this.aggregates.load(accountDecider, toAccountId),
    ]).then((loaded) => loaded.map(({ state }) => state));
    // Money leaves only the caller's own accounts (any account, for a teller).
    accountVisibleTo(context.actor, this.indexOf)(source);
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
        destination: asSeenBy(context.actor, destination, this.indexOf),
      },
      context,
    );
  }
}

/**
 * Money may go to anyone's account, but what the caller may not see is not judged now: an unknown
 * account, another owner's closed one or one in another currency are all accepted alike and
 * refused by the credit step, which refunds the source.
 */
function asSeenBy(
  actor: Actor,
  destination: AccountState,
  indexOf: (subject: string) => string,
): AccountState | NotVisible {
  if (destination.status === 'none') return seesEveryAccount(actor) ? destination : NOT_VISIBLE;
  return mayActOnAccountRef(actor, destination.ownerRef, indexOf) ? destination : NOT_VISIBLE;
}
