import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ProblemError } from '../http/problem';
import { ALLOWED_ROLES, PUBLIC_ROUTE } from './auth.decorators';
import type { Role } from './roles';
import { InvalidTokenError, TokenVerifier } from './token-verifier';

const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="ledgerline"' };

/** Every route needs a verified bearer token, and the roles it names, unless marked public. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(request.header('authorization') ?? '');
    if (!match) {
      throw new ProblemError(401, 'UNAUTHENTICATED', 'A bearer token is required', {
        headers: CHALLENGE,
      });
    }
    try {
      request.actor = await this.verifier.verify(match[1]);
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error;
      throw new ProblemError(401, 'INVALID_TOKEN', error.message, { headers: CHALLENGE });
    }
    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ALLOWED_ROLES, targets);
    if (allowed && !allowed.some((role) => request.actor!.roles.includes(role))) {
      throw new ProblemError(403, 'FORBIDDEN', `Needs one of the roles: ${allowed.join(', ')}`);
    }
    return true;
  }
}
