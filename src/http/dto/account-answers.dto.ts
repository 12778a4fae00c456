import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Where the stream is after a command: pass `position` as consistentWith to read your write. */
export class CommandAnswer {
  @ApiProperty({ description: 'Stream revision after the command (also the ETag)' })
  revision!: number;

  @ApiProperty({ description: 'Global log position of the last event written' })
  position!: number;
}

export class AccountCommandAnswer extends CommandAnswer {
  @ApiProperty()
  accountId!: string;
}

export class OpenAccountAnswer extends AccountCommandAnswer {
  @ApiProperty({ example: 'account-alice-eur' })
  streamId!: string;
}

export class AccountView {
  @ApiProperty() accountId!: string;
  @ApiProperty() ownerId!: string;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ description: 'Integer minor units' }) overdraftLimit!: number;
  @ApiProperty({ description: 'Integer minor units' }) balance!: number;
  @ApiProperty({ enum: ['open', 'closed'] }) status!: 'open' | 'closed';
  @ApiProperty({ format: 'date-time' }) openedAt!: string;
  @ApiProperty() revision!: number;
  @ApiProperty() position!: number;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class AccountPage {
  @ApiProperty({ type: [AccountView] }) items!: AccountView[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page' })
  nextCursor!: string | null;
}

export class TransactionView {
  @ApiProperty() accountId!: string;
  @ApiProperty({
    enum: ['deposit', 'withdrawal', 'transfer-out', 'transfer-in', 'transfer-refund'],
  })
  kind!: string;
  @ApiProperty({ description: 'Signed change of the balance in minor units' }) amount!: number;
  @ApiProperty() balanceAfter!: number;
  @ApiPropertyOptional() reference?: string;
  @ApiPropertyOptional({ enum: ['api'], description: 'Deposits only' }) channel?: string;
  @ApiPropertyOptional() transferId?: string;
  @ApiPropertyOptional() counterpartyAccountId?: string;
  @ApiProperty({ format: 'date-time' }) recordedAt!: string;
  @ApiProperty() revision!: number;
  @ApiProperty() position!: number;
}

export class TransactionPage {
  @ApiProperty({ type: [TransactionView] }) items!: TransactionView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
