import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { webcrypto } from 'node:crypto';
import type { Actor } from '../event-store/event-envelope';
import type { AuthConfig } from './auth-config';
import { LedgerError } from '../problems/ledger-error';
import { isRole } from './roles';

export class InvalidTokenError extends LedgerError {
  constructor(message: string) {
    super('INVALID_TOKEN', message);
    this.name = 'InvalidTokenError';
  }
}

/**
 * Verifies bearer tokens with pinned algorithms: signature, `exp` (required), `nbf`, `iss` and
 * `aud`. A token's roles come from its `roles` claim; unknown roles are dropped.
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
    const roles = Array.isArray(payload.roles) ? payload.roles.filter(isRole) : [];
    return { subject: payload.sub!, roles };
  }
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `token claim ${error.claim} invalid`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'token signature invalid';
  return 'token invalid';
}
