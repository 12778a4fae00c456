import { applyDecorators, Controller } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators';
import type { Role } from '../auth/roles';

/**
 * A controller of the token-protected API, tagged by its path: the roles its routes allow unless
 * a route says otherwise, and the X-Correlation-Id a caller may send to find its request again.
 */
export function ApiController(path: string, ...roles: Role[]) {
  return applyDecorators(
    ApiTags(path),
    ApiBearerAuth(),
    Roles(...roles),
    ApiHeader({ name: 'X-Correlation-Id', required: false }),
    Controller(path),
  );
}
