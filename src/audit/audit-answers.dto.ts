import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { EventView } from '../analytics/dto/event-answers.dto';

export class AuditStreamPage {
  @ApiProperty() streamId!: string;
  @ApiProperty({ type: [EventView], description: 'Events in their stored form' })
  items!: EventView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class AuditCorrelationPage {
  @ApiProperty() correlationId!: string;
  @ApiProperty({ type: [EventView] }) items!: EventView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

class AnchorRef {
  @ApiProperty() revision!: number;
  @ApiProperty() hash!: string;
  @ApiProperty({ format: 'date-time' }) anchoredAt!: string;
}

const REASONS = ['edited', 'reordered', 'missing', 'truncated', 'rewritten', 'anchor-invalid'];

/** `ok: true` with the head, or `ok: false` naming the first revision that fails. */
export class StreamVerificationView {
  @ApiProperty() ok!: boolean;
  @ApiProperty() streamId!: string;
  @ApiPropertyOptional({ description: 'ok: -1 for a stream with no events' })
  headRevision?: number;
  @ApiPropertyOptional() headHash?: string;
  @ApiPropertyOptional() eventsChecked?: number;
  @ApiPropertyOptional({ type: AnchorRef, nullable: true }) anchor?: AnchorRef | null;
  @ApiPropertyOptional({ description: 'not ok: the first revision that fails' })
  revision?: number;
  @ApiPropertyOptional({ enum: REASONS }) reason?: string;
  @ApiPropertyOptional() detail?: string;
}

class ChainBreakView {
  @ApiProperty({ enum: [false] }) ok!: false;
  @ApiProperty() streamId!: string;
  @ApiProperty() revision!: number;
  @ApiProperty({ enum: REASONS }) reason!: string;
  @ApiProperty() detail!: string;
}

export class VerificationSummaryView {
  @ApiProperty({ format: 'date-time' }) checkedAt!: string;
  @ApiProperty() streamsChecked!: number;
  @ApiProperty() okCount!: number;
  @ApiProperty() failedCount!: number;
  @ApiProperty({ type: [ChainBreakView] }) failures!: ChainBreakView[];
  @ApiProperty({
    description:
      'Events holding personal fields of erased data subjects: their fields read as erased, and their hashes (over the ciphertext) still verify',
  })
  eventsWithErasedFields!: number;
}

class SkippedStreamView {
  @ApiProperty() streamId!: string;
  @ApiProperty() revision!: number;
  @ApiProperty() reason!: string;
}

export class AnchorRunView {
  @ApiProperty() _id!: string;
  @ApiProperty({ enum: ['schedule', 'request'] }) trigger!: string;
  @ApiProperty({ format: 'date-time' }) anchoredAt!: string;
  @ApiProperty() afterPosition!: number;
  @ApiProperty() throughPosition!: number;
  @ApiProperty() streamsSeen!: number;
  @ApiProperty() streamsAnchored!: number;
  @ApiProperty({ type: [SkippedStreamView] }) skipped!: SkippedStreamView[];
}

class AuditActor {
  @ApiProperty() subject!: string;
  @ApiProperty({ type: [String] }) roles!: string[];
}

class AuditReadView {
  @ApiProperty() _id!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ type: AuditActor }) actor!: AuditActor;
  @ApiProperty({
    enum: [
      'read-stream',
      'verify-stream',
      'read-correlation',
      'verify-all',
      'read-anchor',
      'record-anchors',
      'list-reads',
    ],
  })
  action!: string;
  @ApiPropertyOptional() streamId?: string;
  @ApiPropertyOptional() correlationId?: string;
  @ApiPropertyOptional({ enum: ['json', 'ndjson', 'csv'] }) format?: string;
  @ApiProperty() requestCorrelationId!: string;
  @ApiProperty() method!: string;
  @ApiProperty() path!: string;
}

export class AuditReadsPage {
  @ApiProperty({ type: [AuditReadView] }) items!: AuditReadView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

/** A stream's latest signed anchor, as stored: what the external verifier checks. */
export class StreamAnchorView {
  @ApiProperty() streamId!: string;
  @ApiProperty() revision!: number;
  @ApiProperty() hash!: string;
  @ApiProperty({ format: 'date-time' }) anchoredAt!: string;
  @ApiPropertyOptional({ enum: ['Ed25519'], description: 'Absent on a legacy HMAC anchor' })
  algorithm?: string;
  @ApiProperty() keyId!: string;
  @ApiProperty() signature!: string;
  @ApiProperty() runId!: string;
}

class AnchorJwk {
  @ApiProperty({ enum: ['OKP'] }) kty!: string;
  @ApiProperty({ enum: ['Ed25519'] }) crv!: string;
  @ApiProperty() x!: string;
  @ApiProperty() kid!: string;
}

class AnchorKeyView {
  @ApiProperty() keyId!: string;
  @ApiProperty({ enum: ['Ed25519'] }) algorithm!: string;
  @ApiProperty({ enum: ['current', 'retired'] }) status!: string;
  @ApiProperty({ description: 'SPKI, PEM' }) publicKey!: string;
  @ApiProperty({ type: AnchorJwk }) jwk!: AnchorJwk;
}

export class AnchorKeysView {
  @ApiProperty({ type: [AnchorKeyView] }) keys!: AnchorKeyView[];
}
