import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
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

/** Seconds of clock skew allowed on `exp` and `nbf`. */
const CLOCK_TOLERANCE_S = 5;

/**
 * Tokens already verified, by their whole text (signature included, so no other text can match):
 * a client sends the same token with every request, and checking its signature is the largest
 * single cost of a command. Bounded by the tokens' total length.
 */
const VERIFIED_TOKENS_MAX_CHARS = 16 * 1024 * 1024;

interface VerifiedToken {
  actor: Actor;
  /** The token's `exp`, in seconds since the epoch: a cached token still expires. */
  expiresAt: number;
}

/**
 * Verifies bearer tokens with pinned algorithms: signature, `exp` (required), `nbf`, `iss` and
 * `aud`, then the identity it carries: `sub` (see SUBJECT_PATTERN) and `roles`, a list of known
 * role names. A token that is signed but says something else is refused, never half-believed.
 */
export class TokenVerifier {
  private readonly key: Promise<webcrypto.CryptoKey> | JWTVerifyGetKey;
  private readonly algorithms: string[];
  private readonly verified = new LRUCache<string, VerifiedToken>({
    maxSize: VERIFIED_TOKENS_MAX_CHARS,
    sizeCalculation: (_, token) => token.length,
  });

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
    const known = this.verified.get(token);
    if (known && Date.now() / 1000 <= known.expiresAt + CLOCK_TOLERANCE_S) return known.actor;
    const verified = await this.verifyAfresh(token);
    this.verified.set(token, verified);
    return verified.actor;
  }

  private async verifyAfresh(token: string): Promise<VerifiedToken> {
    let payload: JWTPayload;
    try {
      const options = {
        algorithms: this.algorithms,
        issuer: this.config.issuer,
        audience: this.config.audience,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: CLOCK_TOLERANCE_S,
      };
      const verified =
        typeof this.key === 'function'
          ? await jwtVerify(token, this.key, options)
          : await jwtVerify(token, await this.key, options);
      payload = verified.payload;
    } catch (error) {
      throw new InvalidTokenError(describe(error));
    }
    return {
      actor: { subject: subjectOf(payload), roles: rolesOf(payload) },
      // jwtVerify has checked that `exp` is present and a number.
      expiresAt: payload.exp!,
    };
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
