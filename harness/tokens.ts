import { DEVELOPMENT_SECRET } from '../src/auth/auth-config';
import type { Role } from '../src/auth/roles';
import { mintToken } from '../src/auth/token-minter';

/** A valid development token, as `npm run token` mints it. */
export function tokenFor(subject: string, ...roles: Role[]): Promise<string> {
  return mintToken({
    subject,
    roles,
    secret: DEVELOPMENT_SECRET,
    issuer: 'ledgerline',
    audience: 'ledgerline',
  });
}

/** Staff who may use every endpoint: the default caller of tests about something other than access. */
export const STAFF: { subject: string; roles: Role[] } = {
  subject: 'staff',
  roles: ['teller', 'analyst', 'auditor', 'admin'],
};
