import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CommandAnswer } from './account-answers.dto';

const STEPS = ['requested', 'debited', 'credit-refused', 'completed', 'failed'];

export class TransferAnswer extends CommandAnswer {
  @ApiProperty() transferId!: string;
  @ApiProperty({ enum: ['requested'] }) status!: 'requested';
}

export class TransferView {
  @ApiProperty() transferId!: string;
  @ApiProperty() fromAccountId!: string;
  @ApiProperty() toAccountId!: string;
  @ApiProperty({ description: 'Integer minor units' }) amount!: number;
  @ApiProperty() currency!: string;
  @ApiPropertyOptional() reference?: string;
  @ApiProperty({ enum: STEPS }) status!: string;
  @ApiPropertyOptional({ description: 'Why a failed transfer failed' }) failureReason?: string;
  @ApiPropertyOptional() refunded?: boolean;
  @ApiProperty({ format: 'date-time' }) requestedAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty() revision!: number;
  @ApiProperty() position!: number;
}
