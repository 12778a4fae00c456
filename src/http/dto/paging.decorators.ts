import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IntegerText } from './integer-text';

/** `limit`: an optional page size from 1 to `max`, documented with its default. */
export const PageLimit = (max: number, defaultSize: number, description?: string) =>
  applyDecorators(
    ApiPropertyOptional({
      type: 'integer',
      minimum: 1,
      maximum: max,
      default: defaultSize,
      ...(description ? { description } : {}),
    }),
    IsOptional(),
    IntegerText(),
    IsInt(),
    Min(1),
    Max(max),
  );

/** `cursor`: the opaque `nextCursor` of the previous page (see src/queries/cursor.ts). */
export const PageCursor = () =>
  applyDecorators(
    ApiPropertyOptional({ maxLength: 200, description: 'nextCursor of the previous page' }),
    IsOptional(),
    IsString(),
    MaxLength(200),
  );
