import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';

export class ErasureRequestDto {
  @ApiProperty({
    example: 'GDPR Art. 17, case 2026-114',
    description: 'The legal basis or case reference of the erasure; stored in the clear',
    minLength: 1,
    maxLength: 500,
  })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  @Matches(/\S/, { message: 'authority must not be blank' })
  authority!: string;
}

export class ErasureView {
  @ApiProperty({ description: "The subject's blind index, which names it in sealed values" })
  subject!: string;
  @ApiProperty({ description: 'Keys deleted now; 0 when the subject had none left' })
  keysDeleted!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      'Global position of the DataSubjectErased event; null when the subject was already erased',
  })
  position!: number | null;
}
