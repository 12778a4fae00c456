import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { ACCOUNT_EVENT_TYPES } from '../../domain/accounts/account.events';
import { TRANSFER_EVENT_TYPES } from '../../domain/transfers/transfer.events';
import { DEFAULT_PAGE_SIZE, HistoryPage, MAX_PAGE_SIZE } from './history-page.dto';
import { IsInstant, NotBefore } from './validators';
import { PageLimit } from '../../http/dto/paging.decorators';
import { STREAM_ID_PATTERN, STREAM_ID_RULE } from '../../http/dto/identifiers';
import { IntegerText } from '../../http/dto/integer-text';

export const LEDGER_EVENT_TYPES: readonly string[] = [
  ...ACCOUNT_EVENT_TYPES,
  ...TRANSFER_EVENT_TYPES,
];

/** `types=A,B` and `types=A&types=B` both name a list. */
function commaSeparated({ value }: { value: unknown }): unknown {
  if (typeof value === 'string') return value.split(',');
  if (Array.isArray(value)) return value.flatMap((item) => String(item).split(','));
  return value;
}

export class EventLogQuery extends HistoryPage {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    description: 'Lowest global position, inclusive',
  })
  @IsOptional()
  @IntegerText()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  fromPosition?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    description: 'Highest global position, inclusive; not below fromPosition',
  })
  @IsOptional()
  @IntegerText()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  @NotBefore('fromPosition', 'number')
  toPosition?: number;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Earliest recorded time, inclusive: ISO-8601 with a zone',
    example: '2026-11-01T00:00:00Z',
  })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Latest recorded time, inclusive: ISO-8601 with a zone; not before from',
  })
  @IsOptional()
  @IsInstant()
  @NotBefore('from', 'instant')
  to?: string;

  @ApiPropertyOptional({
    description: 'Comma-separated event types',
    example: 'MoneyDeposited,MoneyWithdrawn',
  })
  @IsOptional()
  @Transform(commaSeparated)
  @ArrayMaxSize(LEDGER_EVENT_TYPES.length)
  @IsIn(LEDGER_EVENT_TYPES, { each: true })
  types?: string[];

  @ApiPropertyOptional({
    pattern: STREAM_ID_PATTERN.source,
    description: 'Only streams whose id starts with this',
    example: 'account-',
  })
  @IsOptional()
  @IsString()
  @Matches(STREAM_ID_PATTERN, { message: `streamPrefix must be ${STREAM_ID_RULE}` })
  streamPrefix?: string;
}

export class StreamEventsQuery {
  @ApiPropertyOptional({ enum: ['forwards', 'backwards'], default: 'forwards' })
  @IsOptional()
  @IsIn(['forwards', 'backwards'])
  direction?: 'forwards' | 'backwards';

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    description: 'First revision to read, inclusive; backwards defaults to the last event',
  })
  @IsOptional()
  @IntegerText()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  fromRevision?: number;

  @PageLimit(MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)
  limit?: number;
}
