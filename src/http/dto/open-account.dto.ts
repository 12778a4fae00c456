import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Min } from 'class-validator';
import { ID_PATTERN, ID_RULE } from './identifiers';
import { LIMIT_DOC } from './money-range';

export class OpenAccountDto {
  @ApiProperty({ example: 'alice' })
  @IsString()
  @Matches(ID_PATTERN, { message: `ownerId must be ${ID_RULE}` })
  ownerId!: string;

  @ApiProperty({ example: 'EUR', description: 'ISO-4217 code' })
  @IsString()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be a three-letter ISO-4217 code' })
  currency!: string;

  @ApiPropertyOptional({
    example: 0,
    ...LIMIT_DOC,
    description: `${LIMIT_DOC.description}; 0 when absent`,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  overdraftLimit?: number;

  @ApiPropertyOptional({ description: 'Chosen by the client; generated when absent' })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: `accountId must be ${ID_RULE}` })
  accountId?: string;
}
