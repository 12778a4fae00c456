import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { ID_PATTERN, ID_RULE } from '../../http/dto/identifiers';
import { HistoryPage } from './history-page.dto';
import { IsInstant, NotTogetherWith } from './validators';
import { IntegerText } from '../../http/dto/integer-text';

export class AccountHistoryQuery {
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'The account as it was at this time: ISO-8601 with a zone; default now',
    example: '2026-11-05T10:00:00Z',
  })
  @IsOptional()
  @IsInstant()
  asOf?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    description: 'The account as it was after this stream revision; not with asOf',
  })
  @IsOptional()
  @IntegerText()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  @NotTogetherWith('asOf')
  asOfRevision?: number;
}

export class BalancesQuery extends HistoryPage {
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Balances as they were at this time: ISO-8601 with a zone; default now',
  })
  @IsOptional()
  @IsInstant()
  asOf?: string;

  @ApiPropertyOptional({ pattern: ID_PATTERN.source })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: `ownerId must be ${ID_RULE}` })
  ownerId?: string;
}
