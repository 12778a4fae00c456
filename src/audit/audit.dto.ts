import { applyDecorators, Injectable, type PipeTransform } from '@nestjs/common';
import { ApiParam, ApiPropertyOptional } from '@nestjs/swagger';
import { Refuses } from '../http/openapi/refuses.decorator';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { LedgerError } from '../problems/ledger-error';
import { STREAM_ID_PATTERN } from '../http/dto/identifiers';
import { IntegerText } from '../http/dto/integer-text';

/** The alphabet the request-context middleware accepts for X-Correlation-Id. */
export const CORRELATION_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export const AUDIT_DEFAULT_PAGE_SIZE = 100;
export const AUDIT_MAX_PAGE_SIZE = 1000;

export class AuditPageQuery {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: AUDIT_MAX_PAGE_SIZE,
    description: `JSON pages default to ${AUDIT_DEFAULT_PAGE_SIZE}; NDJSON and CSV exports without a limit hold everything from the cursor on`,
  })
  @IsOptional()
  @IntegerText()
  @IsInt()
  @Min(1)
  @Max(AUDIT_MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({
    maxLength: 200,
    description: 'nextCursor (or X-Next-Cursor) of the previous page',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class AuditReadsQuery extends AuditPageQuery {
  @ApiPropertyOptional({
    pattern: STREAM_ID_PATTERN.source,
    description: 'Only reads of this stream',
  })
  @IsOptional()
  @IsString()
  @Matches(STREAM_ID_PATTERN, { message: 'streamId is not a stream id' })
  streamId?: string;

  @ApiPropertyOptional({
    pattern: CORRELATION_ID_PATTERN.source,
    description: 'Only reads of this business operation',
  })
  @IsOptional()
  @IsString()
  @Matches(CORRELATION_ID_PATTERN, { message: 'correlationId is not a correlation id' })
  correlationId?: string;
}

@Injectable()
export class CorrelationIdParam implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!CORRELATION_ID_PATTERN.test(value)) {
      throw new LedgerError(
        'INVALID_CORRELATION_ID',
        'Correlation ids are 1 to 128 letters, digits, ".", "_", ":" or "-"',
      );
    }
    return value;
  }
}

/** Documents the path correlation id CorrelationIdParam checks. */
export const ApiCorrelationIdParam = () =>
  applyDecorators(
    ApiParam({ name: 'id', schema: { type: 'string', pattern: CORRELATION_ID_PATTERN.source } }),
    Refuses('INVALID_CORRELATION_ID'),
  );
