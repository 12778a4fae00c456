import { ApiProperty } from '@nestjs/swagger';
import { AccountView } from '../../http/dto/account-answers.dto';

class ActorView {
  @ApiProperty() subject!: string;
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
