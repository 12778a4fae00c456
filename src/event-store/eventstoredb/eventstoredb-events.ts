import type { JSONEventData, JSONType, RecordedEvent } from '@eventstore/db-client';
import { validate as isUuid } from 'uuid';
import {
  envelopeHash,
  type EventEnvelope,
  type EventMetadata,
  type NewEvent,
} from '../event-envelope';
import { toLedgerPosition } from './eventstoredb-position';

/**
 * The metadata JSON of every event this adapter writes. The envelope fields EventStoreDB has no
 * place for live here: schema version, the caller's metadata, and the recording time and hash
 * chain, which are fixed at append time because the hash covers the recording time.
 * `$correlationId` and `$causationId` are EventStoreDB's conventional keys, which its UI shows
 * and its $by_correlation_id projection reads.
 */
export interface StoredMetadata {
  $correlationId: string;
  $causationId: string;
  schemaVersion: number;
  recordedAt: string;
  hash: string;
  metadata: EventMetadata;
}

/** An event checked, with data and metadata as they will come back out of JSON; nothing sent. */
export type SerializedEvent = Pick<
  EventEnvelope,
  'eventId' | 'type' | 'schemaVersion' | 'data' | 'metadata'
>;

/** The event cannot be stored as asked; nothing was sent to EventStoreDB. */
export class InvalidEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

/** EventStoreDB holds an event this adapter did not write, where only its own are expected. */
export class ForeignEventError extends Error {
  constructor(
    event: Pick<RecordedEvent, 'id' | 'streamId' | 'revision'>,
    /** A short, fixed code for metrics: `not-json`, `no-ledgerline-metadata`, `revision-too-large`. */
    readonly reason: string,
    description: string,
  ) {
    super(
      `Event ${event.id} (stream ${event.streamId}, revision ${event.revision}) ` +
        `is not a Ledgerline event: ${description}`,
    );
    this.name = 'ForeignEventError';
  }
}

/** EventStoreDB's own events ($-prefixed type) and streams ($-prefixed name, e.g. $$metadata). */
export function isSystemEvent(event: Pick<RecordedEvent, 'type' | 'streamId'>): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}

/** Stream names starting with `$` are EventStoreDB's own; readers here skip them. */
export function assertUserStream(streamId: string): void {
  if (typeof streamId !== 'string' || streamId.length === 0 || streamId.startsWith('$')) {
    throw new InvalidEventError(
      `Stream ${JSON.stringify(streamId)}: a stream id is a non-empty string not starting with $`,
    );
  }
}

const encoder = new TextEncoder();

function toJson(value: unknown, what: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new InvalidEventError(`${what} is not JSON: ${(error as Error).message}`);
  }
  if (typeof json !== 'string') throw new InvalidEventError(`${what} is not JSON`);
  return json;
}

/**
 * Checks an event completely, before anything is sent. The client serialises events while it is
 * already streaming the append, and an exception there leaves its promise pending forever.
 */
export function serializeEvent(event: NewEvent): SerializedEvent {
  // EventStoreDB ids are UUIDs and come back in lower case; anything else would not round-trip.
  if (typeof event.eventId !== 'string' || !isUuid(event.eventId)) {
    throw new InvalidEventError(`Event id ${JSON.stringify(event.eventId)} is not a UUID`);
  }
  const what = `Event ${event.eventId}`;
  if (event.eventId !== event.eventId.toLowerCase()) {
    throw new InvalidEventError(`${what}: the id must be in lower case`);
  }
  if (typeof event.type !== 'string' || event.type.length === 0 || event.type.startsWith('$')) {
    throw new InvalidEventError(`${what}: a type is a non-empty string not starting with $`);
  }
  if (!Number.isSafeInteger(event.schemaVersion)) {
    throw new InvalidEventError(`${what}: schemaVersion ${event.schemaVersion} is not an integer`);
  }
  const metadata: unknown = JSON.parse(toJson(event.metadata, `${what}: metadata`));
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new InvalidEventError(`${what}: metadata is not an object`);
  }
  return {
    eventId: event.eventId,
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: JSON.parse(toJson(event.data, `${what}: data`)),
    metadata: metadata as EventMetadata,
  };
}

/**
 * The EventStoreDB form of events about to be appended at `firstRevision` onwards, each hashed
 * (see envelopeHash) as a reader will get it back and chained to the one before, the first to
 * `previousHash`, the hash of the stream's current last event.
 */
export function toProposedEvents(
  streamId: string,
  events: SerializedEvent[],
  firstRevision: number,
  previousHash: string,
  recordedAt: string,
): JSONEventData[] {
  let previous = previousHash;
  return events.map((event, index): JSONEventData => {
    const hash = envelopeHash(
      { ...event, streamId, revision: firstRevision + index, recordedAt },
      previous,
    );
    previous = hash;
    const stored: StoredMetadata = {
      $correlationId: event.metadata.correlationId,
      $causationId: event.metadata.causationId,
      schemaVersion: event.schemaVersion,
      recordedAt,
      hash,
      metadata: event.metadata,
    };
    return {
      id: event.eventId,
      contentType: 'application/json',
      type: event.type,
      // The client types data as an object, array or string; any JSON value stores and reads back.
      data: event.data as JSONType,
      // Bytes, not an object, so that the client does not serialise the metadata a second time.
      metadata: encoder.encode(JSON.stringify(stored)),
    };
  });
}

function isStoredMetadata(value: unknown): value is StoredMetadata {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return false;
  const candidate = value as Partial<StoredMetadata>;
  return (
    Number.isSafeInteger(candidate.schemaVersion) &&
    typeof candidate.recordedAt === 'string' &&
    typeof candidate.hash === 'string' &&
    typeof candidate.metadata === 'object' &&
    candidate.metadata !== null
  );
}

/** The envelope of an event this adapter wrote; anything else is a ForeignEventError. */
export function toEnvelope(event: RecordedEvent): EventEnvelope {
  if (!event.isJson) throw new ForeignEventError(event, 'not-json', 'its data is not JSON');
  if (!isStoredMetadata(event.metadata)) {
    throw new ForeignEventError(
      event,
      'no-ledgerline-metadata',
      'its metadata lacks schemaVersion, recordedAt, hash or metadata',
    );
  }
  if (event.revision > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ForeignEventError(
      event,
      'revision-too-large',
      'its revision is beyond a safe integer',
    );
  }
  return {
    eventId: event.id,
    type: event.type,
    schemaVersion: event.metadata.schemaVersion,
    data: event.data,
    metadata: event.metadata.metadata,
    streamId: event.streamId,
    revision: Number(event.revision),
    position: toLedgerPosition(event.position, event.id),
    // Not EventStoreDB's `created`, which is only known after the write: the hash covers this.
    recordedAt: event.metadata.recordedAt,
    hash: event.metadata.hash,
  };
}

/** What a reader of $all makes of one event: its envelope, or why it is passed over. */
export type LogEntry =
  | { kind: 'event'; envelope: EventEnvelope }
  | { kind: 'system' }
  | { kind: 'foreign'; error: ForeignEventError };

/**
 * Reads one event of $all. EventStoreDB's own events are passed over silently; events this
 * adapter did not write (another application's, one added in the admin UI, a projection's
 * emit()) are passed over too, for the caller to report: one of them must not stop every reader.
 */
export function toLogEntry(event: RecordedEvent): LogEntry {
  if (isSystemEvent(event)) return { kind: 'system' };
  try {
    return { kind: 'event', envelope: toEnvelope(event) };
  } catch (error) {
    if (error instanceof ForeignEventError) return { kind: 'foreign', error };
    throw error;
  }
}
