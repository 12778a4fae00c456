import { mayActOnAccountRef } from '../../auth/access';
import type { AccountState } from '../../domain/accounts/account.state';
import { DomainError } from '../../domain/domain-error';
import type { Actor } from '../../event-store/event-envelope';

/**
 * Refuses a caller who may not act on this account exactly as if it did not exist, so that
 * account ids cannot be probed.
 */
export function accountVisibleTo(actor: Actor, indexOf: (subject: string) => string) {
  return (state: AccountState): void => {
    if (state.status === 'none' || !mayActOnAccountRef(actor, state.ownerRef, indexOf)) {
      throw new DomainError('ACCOUNT_NOT_FOUND', 'Account does not exist');
    }
  };
}
