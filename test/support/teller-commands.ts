import type { CommandContext } from '../../src/commands/command-context';
import type { AccountCommand } from '../../src/domain/accounts/account.commands';

/** A teller's command, its correlation and causation the command itself, as a fresh request's. */
export function tellerContext(commandId: string, expectedRevision?: number): CommandContext {
  return {
    commandId,
    actor: { subject: 'teller-1', roles: ['teller'] },
    correlationId: commandId,
    causationId: commandId,
    ...(expectedRevision === undefined ? {} : { expectedRevision }),
  };
}

/** Opens alice's EUR account, without overdraft. */
export const openAccount = (accountId: string): AccountCommand => ({
  type: 'OpenAccount',
  accountId,
  ownerId: 'alice',
  currency: 'EUR',
  overdraftLimit: 0,
});
