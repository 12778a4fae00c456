import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class MoneyMovementDto {
  @ApiProperty({ example: 2500, description: 'Positive integer, minor units' })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amount!: number;

  @ApiPropertyOptional({ example: 'invoice 42' })
  @IsOptional()
  @IsString()
  @MaxLength(140)
  reference?: string;
}
