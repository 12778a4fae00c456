import type { Actor } from '../event-store/event-envelope';

/** Tellers see and act on every account (and know which ids exist); anyone else only their own. */
export function seesEveryAccount(actor: Actor): boolean {
  return actor.roles.includes('teller');
}

export function mayActOnAccountOf(actor: Actor, ownerId: string): boolean {
  return seesEveryAccount(actor) || actor.subject === ownerId;
}

/**
 * The command side's check: the account's state names its owner by blind index only (see
 * AccountState), so the caller's subject is indexed with the same key and compared.
 */
export function mayActOnAccountRef(
  actor: Actor,
  ownerRef: string,
  indexOf: (subject: string) => string,
): boolean {
  return seesEveryAccount(actor) || indexOf(actor.subject) === ownerRef;
}

/** Whom a listing is limited to: nobody for tellers, the caller otherwise. */
export function ownerScope(actor: Actor): string | undefined {
  return seesEveryAccount(actor) ? undefined : actor.subject;
}

/**
 * An overdraft limit is credit the ledger grants: money an account may spend that nobody paid in.
 * Tellers grant it when they open an account or later; an admin may change it too (to cut credit
 * off in an incident, say). Nobody grants credit to themselves by being an account's owner.
 */
export function mayGrantCredit(actor: Actor): boolean {
  return actor.roles.includes('teller') || actor.roles.includes('admin');
}

/**
 * A deposit brings money into the ledger from outside it, so only a teller, who has seen the money
 * arrive, records one. Clients move money between accounts (transfers) and withdraw.
 */
export function mayBringMoneyIn(actor: Actor): boolean {
  return actor.roles.includes('teller');
}
