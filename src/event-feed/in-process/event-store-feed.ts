import type { EventStore, Subscription, BatchHandler } from '../../event-store/event-store.port';
import type { EventFeed, FeedSubscribeOptions } from '../event-feed.port';

/** The embedded fan-out: every consumer reads the store's global log from its own checkpoint. */
export class EventStoreFeed implements EventFeed {
  constructor(private readonly store: EventStore) {}

  subscribe({ after, batchSize }: FeedSubscribeOptions, handler: BatchHandler): Subscription {
    return this.store.subscribeToAll({ after, batchSize }, handler);
  }
}
