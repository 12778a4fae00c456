import type { EventEnvelope } from '../event-store/event-envelope';

/**
 * The relay's outbound side of the fan-out transport. `publish` resolves only once the broker has
 * acknowledged every event, so a relay may move its checkpoint past them; it rejects otherwise.
 */
export const EVENT_PUBLISHER = Symbol('EVENT_PUBLISHER');

/**
 * Per partition, an offset the events in question all sit below (for `partitionEnds`, the offset
 * the next message will get). Consumers that have handled each partition up to there have seen
 * all of them.
 */
export type PartitionEnds = Record<string, number>;

export interface EventPublisher {
  /**
   * Resolves with, per partition this publish wrote to, the offset after its last event there:
   * what a consumer must have handled to have seen them all. Partitions it did not write to are
   * left out.
   */
  publish(events: EventEnvelope[]): Promise<PartitionEnds>;
  /** Where each partition ends now, whoever wrote there. */
  partitionEnds(): Promise<PartitionEnds>;
  close(): Promise<void>;
}
