import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { AMOUNT_DOC } from './money-range';

export class MoneyMovementDto {
  @ApiProperty({ example: 2500, ...AMOUNT_DOC })
  @IsInt()
  @Min(1)
  amount!: number;

  @ApiPropertyOptional({ example: 'invoice 42' })
  @IsOptional()
  @IsString()
  @MaxLength(140)
  reference?: string;
}
