/**
 * Prints a development token signed with JWT_SECRET (or the built-in development secret):
 *   npm run -s token -- --sub alice --role client [--role teller] [--ttl 3600]
 */
import { parseArgs } from 'node:util';
import { DEVELOPMENT_SECRET } from '../src/auth/auth-config';
import { isRole, ROLES } from '../src/auth/roles';
import { mintToken } from '../src/auth/token-minter';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      role: { type: 'string', multiple: true, default: [] },
      ttl: { type: 'string', default: '3600' },
    },
  });
  const roles = values.role ?? [];
  if (!values.sub || roles.length === 0 || !roles.every(isRole)) {
    console.error(`usage: token --sub <subject> --role <${ROLES.join('|')}> [--role …] [--ttl s]`);
    process.exit(2);
  }
  const token = await mintToken({
    subject: values.sub,
    roles: roles.filter(isRole),
    secret: process.env.JWT_SECRET ?? DEVELOPMENT_SECRET,
    issuer: process.env.JWT_ISSUER ?? 'ledgerline',
    audience: process.env.JWT_AUDIENCE ?? 'ledgerline',
    ttlSeconds: Number(values.ttl),
  });
  console.log(token);
}

void main();
