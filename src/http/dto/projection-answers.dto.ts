import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

class RebuildProgress {
  @ApiProperty({ enum: ['requested', 'running'] }) state!: string;
  @ApiProperty() position!: number;
  @ApiProperty() head!: number;
  @ApiProperty() percent!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Null until a rate is known' })
  etaSeconds!: number | null;
}

class Lag {
  @ApiProperty() events!: number;
  @ApiProperty() seconds!: number;
}

export class ProjectionStatus {
  @ApiProperty() name!: string;
  @ApiProperty() version!: number;
  @ApiProperty() checkpoint!: number;
  @ApiProperty() head!: number;
  @ApiProperty({ type: Lag }) lag!: Lag;
  @ApiProperty({ enum: ['live', 'rebuilding', 'failed'] }) status!: string;
  @ApiPropertyOptional() lastError?: string;
  @ApiPropertyOptional({ type: RebuildProgress }) rebuild?: RebuildProgress;
}

export class RebuildAccepted {
  @ApiProperty() name!: string;
  @ApiProperty() state!: string;
  @ApiProperty({ format: 'date-time' }) requestedAt!: string;
}

class DeadLetterView {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty() streamId!: string;
  @ApiProperty() revision!: number;
  @ApiProperty() position!: number;
  @ApiProperty() type!: string;
  @ApiProperty({ description: 'Why the projection could not apply it' }) reason!: string;
  @ApiProperty({ format: 'date-time' }) deadAt!: string;
}

export class DeadLetterPage {
  @ApiProperty() projection!: string;
  @ApiProperty({ type: [DeadLetterView], description: 'Oldest first' }) items!: DeadLetterView[];
}

export class RedriveOutcome {
  @ApiProperty() projection!: string;
  @ApiProperty({ description: 'Applied now, and removed' }) redriven!: number;
  @ApiProperty({ description: 'Still failing, and kept' }) stillDead!: number;
}
