import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify, type JWTVerifyGetKey } from 'jose';
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
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];

  constructor(private readonly config: AuthConfig) {
    if (config.keys === 'shared-secret') {
      this.key = new TextEncoder().encode(config.secret);
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
      const verified = await jwtVerify(token, this.key as Uint8Array, {
        algorithms: this.algorithms,
        issuer: this.config.issuer,
        audience: this.config.audience,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: 5,
      });
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
