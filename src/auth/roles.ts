/**
 * What each role may do (the README's access matrix says the same, test/auth/access-matrix checks it):
 * - client: on the accounts it owns (owner id = token subject): open without an overdraft limit and
 *   without choosing the id, withdraw within balance and limit, close, read; transfer from them to
 *   any account; read transfers from or to them. No deposits, no credit.
 * - teller: everything on any account: open with a limit or a chosen id, deposit (money from
 *   outside the ledger), change overdraft limits, withdraw, close, transfer, read.
 * - analyst: event history, projections and time travel, read-only;
 * - auditor: audit endpoints and read-only history;
 * - admin: projection rebuilds and operations, and changing an existing account's overdraft limit
 *   (to cut credit off in an incident); no other account commands.
 * Trusted deposit channels are not a role: a channel is an adapter that writes deposits with its own
 * `DepositChannel`, never a token calling the HTTP API.
 */
export const ROLES = ['client', 'teller', 'analyst', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
