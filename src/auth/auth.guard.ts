import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { LedgerError } from '../problems/ledger-error';
import { ALLOWED_ROLES, PUBLIC_ROUTE } from './auth.decorators';
import type { Role } from './roles';
import { TokenVerifier } from './token-verifier';

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
      throw new LedgerError('UNAUTHENTICATED', 'A bearer token is required');
    }
    // A token that fails verification throws InvalidTokenError (INVALID_TOKEN).
    request.actor = await this.verifier.verify(match[1]);
    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ALLOWED_ROLES, targets);
    if (allowed && !allowed.some((role) => request.actor!.roles.includes(role))) {
      throw new LedgerError('FORBIDDEN', `Needs one of the roles: ${allowed.join(', ')}`);
    }
    return true;
  }
}
