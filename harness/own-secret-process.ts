import { randomBytes } from 'node:crypto';
import { tellerToken } from './hs256-token';

/**
 * The environment of a ledger process started from outside: HS256 tokens with a secret of this
 * run's own, and per-caller rate limits lifted so that they do not shape the traffic; with a
 * teller's Authorization header for `subject`.
 */
export function ownSecretProcess(subject: string) {
  const secret = randomBytes(32).toString('hex');
  return {
    env: {
      JWT_SECRET: secret,
      JWT_ISSUER: 'ledgerline',
      JWT_AUDIENCE: 'ledgerline',
      RATE_LIMIT_PER_SUBJECT: '1000000',
      RATE_LIMIT_PER_ADDRESS: '1000000',
    },
    authorization: `Bearer ${tellerToken(secret, subject)}`,
  };
}
