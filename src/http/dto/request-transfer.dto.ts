import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';
import { ID_PATTERN, ID_RULE } from './identifiers';
import { AMOUNT_DOC } from './money-range';

export class RequestTransferDto {
  @ApiProperty()
  @IsString()
  @Matches(ID_PATTERN, { message: `fromAccountId must be ${ID_RULE}` })
  fromAccountId!: string;

  @ApiProperty()
  @IsString()
  @Matches(ID_PATTERN, { message: `toAccountId must be ${ID_RULE}` })
  toAccountId!: string;

  @ApiProperty({ example: 1000, ...AMOUNT_DOC })
  @IsInt()
  @Min(1)
  amount!: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(140)
  reference?: string;
}
