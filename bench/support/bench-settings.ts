import { randomBytes } from 'node:crypto';
import { tellerToken } from '../../harness/hs256-token';

/** A whole-number setting of a benchmark, from the environment. */
export function setting(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1) {
    throw new Error(`${name} must be a positive whole number, got "${value}"`);
  }
  return parsed;
}

/**
 * The environment of a benchmarked app: HS256 tokens with a secret of this run's own, and
 * per-caller rate limits lifted so that they do not shape the traffic; with a teller's
 * Authorization header for `subject`.
 */
export function benchedApp(subject: string) {
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
