import { createHmac } from 'node:crypto';

/**
 * A teller's HS256 token, signed synchronously for scripts and tests that start the app as a child
 * process with a JWT_SECRET of their own (tests in-process use tokens.ts instead).
 */
export function tellerToken(secret: string, subject: string, ttlSeconds = 3600): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({
    sub: subject,
    roles: ['teller'],
    iss: 'ledgerline',
    aud: 'ledgerline',
    iat: now,
    exp: now + ttlSeconds,
  })}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}
