import type { Actor } from '../event-store/event-envelope';

/** Tellers act on every account; anyone else only on the accounts they own. */
export function mayActOnAccountOf(actor: Actor, ownerId: string): boolean {
  return actor.roles.includes('teller') || actor.subject === ownerId;
}

/** Whom a listing is limited to: nobody for tellers, the caller otherwise. */
export function ownerScope(actor: Actor): string | undefined {
  return actor.roles.includes('teller') ? undefined : actor.subject;
}
