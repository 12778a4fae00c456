import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';

/** Who caused an event: the token subject and roles, or "anonymous" before authentication. */
export interface Actor {
  subject: string;
  roles: string[];
}

export interface EventMetadata {
  actor: Actor;
  correlationId: string;
  /** The command id for a direct command, or the event id that made a process manager act. */
  causationId: string;
  commandId: string;
  /** W3C trace context of the request that caused the event, when the caller sent one. */
  traceparent?: string;
}

/** An event as the caller hands it to the store; the store assigns revision, position and time. */
export interface NewEvent<TData = unknown> {
  eventId: string;
  type: string;
  schemaVersion: number;
  data: TData;
  metadata: EventMetadata;
}

/** The persisted form of every event, identical across event store adapters. */
export interface EventEnvelope<TData = unknown> extends NewEvent<TData> {
  streamId: string;
  /** 0-based, gapless within the stream. */
  revision: number;
  /** Strictly increasing across the global log; not necessarily dense. */
  position: number;
  /** ISO-8601 UTC. */
  recordedAt: string;
  /**
   * Tamper evidence: SHA-256 (lowercase hex) over the canonical form of this envelope without
   * `position` and `hash`, chained to the previous event of the stream (see envelopeHash).
   */
  hash: string;
}

/** The previous hash of revision 0: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** The envelope fields the hash covers: all but `position` (assigned by some stores at commit). */
export type HashedFields = Pick<
  EventEnvelope,
  | 'eventId'
  | 'type'
  | 'schemaVersion'
  | 'streamId'
  | 'revision'
  | 'recordedAt'
  | 'data'
  | 'metadata'
>;

/** RFC 8785 (JCS) canonical JSON of exactly the hashed fields. */
export function canonicalEnvelope(event: HashedFields): string {
  const { eventId, type, schemaVersion, streamId, revision, recordedAt, data, metadata } = event;
  const canonical = canonicalize({
    eventId,
    type,
    schemaVersion,
    streamId,
    revision,
    recordedAt,
    data,
    metadata,
  });
  if (canonical === undefined) throw new Error(`Event ${eventId} has no JSON form`);
  return canonical;
}

/**
 * SHA-256, lowercase hex, of the UTF-8 bytes of `<canonical JSON>` + "\n" + `<previous hash>`,
 * where the previous hash is that of the stream's previous revision, or GENESIS_HASH for
 * revision 0. Every event store adapter computes it at append time over the values it will hand
 * back on reads (data and metadata as they come out of JSON), so readers can recompute it.
 */
export function envelopeHash(event: HashedFields, previousHash: string): string {
  return createHash('sha256')
    .update(`${canonicalEnvelope(event)}\n${previousHash}`, 'utf8')
    .digest('hex');
}
