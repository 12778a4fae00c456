import type { EventEnvelope } from '../event-store/event-envelope';

/**
 * Where a consumer puts an event it cannot apply, so that other streams keep flowing. Dead letters
 * stay until re-driven, after the cause is fixed.
 */
export const DEAD_LETTERS = Symbol('DEAD_LETTERS');

export interface DeadLetter {
  consumer: string;
  event: EventEnvelope;
  reason: string;
  deadAt: string;
}

export interface DeadLetters {
  record(consumer: string, event: EventEnvelope, reason: string): Promise<void>;
  list(consumer: string): Promise<DeadLetter[]>;
  remove(consumer: string, eventId: string): Promise<void>;
}
