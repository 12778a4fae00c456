/**
 * What each role may do:
 * - client: commands and queries on the accounts it owns (owner id = token subject), its transfers;
 * - teller: commands and queries on any account;
 * - analyst: event history, projections and time travel, read-only;
 * - auditor: audit endpoints and read-only history;
 * - admin: projection rebuilds and operations.
 */
export const ROLES = ['client', 'teller', 'analyst', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
