import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Min } from 'class-validator';
import { LIMIT_DOC } from './money-range';

export class OverdraftLimitDto {
  @ApiProperty({ example: 50000, ...LIMIT_DOC })
  @IsInt()
  @Min(0)
  overdraftLimit!: number;
}
