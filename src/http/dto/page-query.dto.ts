import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { ID_PATTERN, ID_RULE } from './identifiers';
import { PageCursor, PageLimit } from './paging.decorators';
import { IntegerText } from './integer-text';

/** Query strings arrive as text; each field is turned into one plain typed value or refused. */
export class ReadOptionsQuery {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    description: 'Wait until read models have applied this global position',
  })
  @IsOptional()
  @IntegerText()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  consistentWith?: number;
}

export class PageQuery extends ReadOptionsQuery {
  @PageLimit(100, 20)
  limit?: number;

  @PageCursor()
  cursor?: string;
}

export class ListAccountsQuery extends PageQuery {
  @ApiPropertyOptional({ pattern: ID_PATTERN.source })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: `ownerId must be ${ID_RULE}` })
  ownerId?: string;

  @ApiPropertyOptional({ enum: ['open', 'closed'] })
  @IsOptional()
  @IsIn(['open', 'closed'])
  status?: 'open' | 'closed';
}
