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
  /**
   * Set where a replay is expected and its first attempt may lie further back than the event
   * store recognises a re-sent append: a process-manager step (not before the event that caused
   * it), an Idempotency-Key whose earlier attempt started then and was never answered. The
   * executor then looks the command's events up before deciding.
   */
  replayableSince?: string;
}

export interface CommandResult {
  streamId: string;
  revision: number;
  position: number;
}

export const ANONYMOUS: Actor = { subject: 'anonymous', roles: [] };
