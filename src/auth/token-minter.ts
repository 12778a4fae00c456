import { SignJWT } from 'jose';
import type { Role } from './roles';

export interface TokenRequest {
  subject: string;
  roles: Role[];
  secret: string;
  issuer: string;
  audience: string;
  ttlSeconds?: number;
}

/** HS256 tokens for development and tests; production tokens come from the issuer's IdP. */
export function mintToken(request: TokenRequest): Promise<string> {
  return new SignJWT({ roles: request.roles })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(request.subject)
    .setIssuer(request.issuer)
    .setAudience(request.audience)
    .setIssuedAt()
    .setExpirationTime(`${request.ttlSeconds ?? 3600}s`)
    .sign(new TextEncoder().encode(request.secret));
}
