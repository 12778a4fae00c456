import type { Actor } from '../event-store/event-envelope';

/** Who asks, on whose behalf, and under which id: stamped on every event the command writes. */
export interface CommandContext {
  /** Deterministic for retries: a command id seen in the stream already is not applied again. */
  commandId: string;
  actor: Actor;
  correlationId: string;
  causationId: string;
  traceparent?: string;
  /** From If-Match: the stream revision the client last saw. Without it conflicts are retried. */
  expectedRevision?: number;
}

export interface CommandResult {
  streamId: string;
  revision: number;
  position: number;
}

export const ANONYMOUS: Actor = { subject: 'anonymous', roles: [] };
