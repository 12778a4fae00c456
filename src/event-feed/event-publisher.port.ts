import type { EventEnvelope } from '../event-store/event-envelope';

/**
 * The relay's outbound side of the fan-out transport. `publish` resolves only once the broker has
 * acknowledged every event, so a relay may move its checkpoint past them; it rejects otherwise.
 */
export const EVENT_PUBLISHER = Symbol('EVENT_PUBLISHER');

/**
 * Per partition, the offset the next message will get: every event published so far sits below
 * it. Consumers that have handled each partition up to there have seen all of them.
 */
export type PartitionEnds = Record<string, number>;

export interface EventPublisher {
  publish(events: EventEnvelope[]): Promise<void>;
  /** Where each partition ends now; call after `publish` resolved to cover what it sent. */
  partitionEnds(): Promise<PartitionEnds>;
  close(): Promise<void>;
}
