import { applyDecorators, Get, type Type } from '@nestjs/common';
import { ApiOkResponse } from '@nestjs/swagger';
import type { ProblemCode } from '../problems/problem-catalog';
import { ApiIdParam } from './id-param.pipe';
import { HEADERS } from './openapi/problem-schemas';
import { Refuses } from './openapi/refuses.decorator';

/**
 * A read of one resource by the id in its path (checked by IdParam), answered with its stream
 * revision as the ETag, or refused with `notFound`.
 */
export function GetById(type: Type<unknown>, notFound: ProblemCode) {
  return applyDecorators(
    Get(':id'),
    ApiOkResponse({ type, headers: { ETag: { ...HEADERS.ETag, required: true } } }),
    ApiIdParam(),
    Refuses(notFound),
  );
}
