import { createHmac } from 'node:crypto';

/**
 * An HS256 token with exactly these claims (iss, aud, iat and exp filled in unless given), signed
 * synchronously: for scripts and tests that start the app with a JWT_SECRET of their own, and for
 * tests of what a validly signed token may claim.
 */
export function hs256Token(
  secret: string,
  claims: Record<string, unknown>,
  ttlSeconds = 3600,
): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({
    iss: 'ledgerline',
    aud: 'ledgerline',
    iat: now,
    exp: now + ttlSeconds,
    ...claims,
  })}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

/** A teller's token (tests in-process use tokens.ts instead). */
export function tellerToken(secret: string, subject: string, ttlSeconds = 3600): string {
  return hs256Token(secret, { sub: subject, roles: ['teller'] }, ttlSeconds);
}
