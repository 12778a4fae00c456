import type { EventEnvelope } from '../event-store/event-envelope';
import type { Subscription } from '../event-store/event-store.port';

/**
 * How events fan out to their consumers (projections, process managers). In the embedded default
 * it is the event store's own catch-up subscription; in production it is a Kafka consumer group.
 */
export const EVENT_FEED = Symbol('EVENT_FEED');

export interface FeedSubscribeOptions {
  /** Consumer name; each consumer sees every event once it is live. */
  consumer: string;
  /** Exclusive global position to resume after, when the transport does not track it itself. */
  after: number;
  batchSize?: number;
}

/**
 * Where a batch came from in a partitioned transport: handling it means the consumer has handled
 * that partition up to `offset`. Absent for transports that deliver the global log in order.
 */
export interface FeedPartitionProgress {
  partition: number;
  offset: number;
}

export type FeedHandler = (
  events: EventEnvelope[],
  progress?: FeedPartitionProgress,
) => Promise<void>;

export interface EventFeed {
  subscribe(options: FeedSubscribeOptions, handler: FeedHandler): Subscription;
}
