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
   * Tamper evidence: SHA-256 (hex) over the canonical form of this envelope without `position`
   * and `hash`, chained to the previous event of the stream (see envelopeHash).
   */
  hash: string;
}
