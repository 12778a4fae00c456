import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import type { Actor } from '../event-store/event-envelope';
import type { Role } from './roles';

export const PUBLIC_ROUTE = 'ledger:public';
export const ALLOWED_ROLES = 'ledger:roles';

/** No token needed: liveness, readiness, metrics and the API description. */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** The caller needs at least one of these roles, else 403. */
export const Roles = (...roles: Role[]) => SetMetadata(ALLOWED_ROLES, roles);

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by the auth guard from a verified token. */
    actor?: Actor;
  }
}

/** The verified caller of this request. */
export const CurrentActor = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Actor => ctx.switchToHttp().getRequest<Request>().actor!,
);
