import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { ID_PATTERN, ID_RULE } from './identifiers';

export class RequestTransferDto {
  @ApiProperty()
  @IsString()
  @Matches(ID_PATTERN, { message: `fromAccountId must be ${ID_RULE}` })
  fromAccountId!: string;

  @ApiProperty()
  @IsString()
  @Matches(ID_PATTERN, { message: `toAccountId must be ${ID_RULE}` })
  toAccountId!: string;

  @ApiProperty({ example: 1000, description: 'Positive integer, minor units' })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amount!: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(140)
  reference?: string;
}
