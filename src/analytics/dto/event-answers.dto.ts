import { ApiProperty } from '@nestjs/swagger';
import { AccountView } from '../../http/dto/account-answers.dto';

/** A personal value as the audit trail stores it (see src/privacy/sealed-value.ts). */
const SEALED_VALUE = {
  type: 'object',
  required: ['$sealed', 'subject', 'keyId', 'iv', 'ct', 'tag'],
  properties: {
    $sealed: { type: 'string', enum: ['A256GCM'] },
    subject: { type: 'string', description: "The data subject's blind index" },
    keyId: { type: 'string' },
    iv: { type: 'string', format: 'byte' },
    ct: { type: 'string', format: 'byte' },
    tag: { type: 'string', format: 'byte' },
  },
};

class ActorView {
  @ApiProperty({
    oneOf: [{ type: 'string' }, SEALED_VALUE],
    description:
      'The token subject; "[erased]" once erased. The audit endpoints answer the stored form, where it is sealed',
  })
  subject!: string;
  @ApiProperty({ type: [String] }) roles!: string[];
}

export class EventMetadataView {
  @ApiProperty({ type: ActorView }) actor!: ActorView;
  @ApiProperty() correlationId!: string;
  @ApiProperty() causationId!: string;
  @ApiProperty() commandId!: string;
}

/** An event as the store hands it out (in its current schema version). */
export class EventView {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty() streamId!: string;
  @ApiProperty() revision!: number;
  @ApiProperty() position!: number;
  @ApiProperty({ example: 'MoneyDeposited' }) type!: string;
  @ApiProperty() schemaVersion!: number;
  @ApiProperty({ format: 'date-time' }) recordedAt!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: Record<string, unknown>;
  @ApiProperty({ type: EventMetadataView }) metadata!: EventMetadataView;
  @ApiProperty({ description: 'SHA-256 chaining this event to the one before it in its stream' })
  hash!: string;
}

export class EventPage {
  @ApiProperty({ type: [EventView] }) items!: EventView[];
  @ApiProperty({ type: String, nullable: true, description: 'Null at the end of the selection' })
  nextCursor!: string | null;
}

export class StreamEventsPage {
  @ApiProperty({ type: [EventView] }) items!: EventView[];
  @ApiProperty({ type: Number, nullable: true, description: 'Pass as fromRevision to read on' })
  nextFromRevision!: number | null;
}

export class HistoricAccountView extends AccountView {
  @ApiProperty({ description: 'The stream revision this state reflects' })
  asOfRevision!: number;
}

export class BalancesPage {
  @ApiProperty({ format: 'date-time' }) asOf!: string;
  @ApiProperty({ description: 'The last log position the replay included' })
  asOfPosition!: number;
  @ApiProperty({ type: [HistoricAccountView] }) items!: HistoricAccountView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
