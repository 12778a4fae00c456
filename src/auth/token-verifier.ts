import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { webcrypto } from 'node:crypto';
import type { Actor } from '../event-store/event-envelope';
import type { AuthConfig } from './auth-config';
import { LedgerError } from '../problems/ledger-error';
import { isRole, ROLES, type Role } from './roles';

export class InvalidTokenError extends LedgerError {
  constructor(message: string) {
    super('INVALID_TOKEN', message);
    this.name = 'InvalidTokenError';
  }
}

/**
 * A subject is the caller's identity everywhere: owner of its accounts, rate-limit key, actor of its
 * events, a cell of CSV exports. So it must be a plain bounded string (visible ASCII, as identity
 * providers' subjects are), never an object, a number, empty, or holding spaces or control
 * characters.
 */
const SUBJECT_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * Verifies bearer tokens with pinned algorithms: signature, `exp` (required), `nbf`, `iss` and
 * `aud`, then the identity it carries: `sub` (see SUBJECT_PATTERN) and `roles`, a list of known
 * role names. A token that is signed but says something else is refused, never half-believed.
 */
export class TokenVerifier {
  private readonly key: Promise<webcrypto.CryptoKey> | JWTVerifyGetKey;
  private readonly algorithms: string[];

  constructor(private readonly config: AuthConfig) {
    if (config.keys === 'shared-secret') {
      // Imported once: handed raw bytes, jose imports the key again on every verification.
      this.key = webcrypto.subtle.importKey(
        'raw',
        new TextEncoder().encode(config.secret),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['verify'],
      );
      this.algorithms = ['HS256'];
    } else {
      // jose caches the issuer's keys and refetches when a token names a key it has not seen.
      this.key = createRemoteJWKSet(new URL(config.jwksUrl), { cooldownDuration: 30_000 });
      this.algorithms = config.algorithms;
    }
  }

  async verify(token: string): Promise<Actor> {
    let payload: JWTPayload;
    try {
      const options = {
        algorithms: this.algorithms,
        issuer: this.config.issuer,
        audience: this.config.audience,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: 5,
      };
      const verified =
        typeof this.key === 'function'
          ? await jwtVerify(token, this.key, options)
          : await jwtVerify(token, await this.key, options);
      payload = verified.payload;
    } catch (error) {
      throw new InvalidTokenError(describe(error));
    }
    return { subject: subjectOf(payload), roles: rolesOf(payload) };
  }
}

function subjectOf(payload: JWTPayload): string {
  const subject: unknown = payload.sub;
  if (typeof subject !== 'string' || !SUBJECT_PATTERN.test(subject)) {
    throw new InvalidTokenError(
      'token claim sub must be a string of 1 to 255 visible ASCII characters',
    );
  }
  return subject;
}

function rolesOf(payload: JWTPayload): Role[] {
  const roles: unknown = payload.roles;
  if (!Array.isArray(roles) || !roles.every(isRole)) {
    throw new InvalidTokenError(`token claim roles must be a list of: ${ROLES.join(', ')}`);
  }
  return [...new Set(roles)];
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `token claim ${error.claim} invalid`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'token signature invalid';
  return 'token invalid';
}
