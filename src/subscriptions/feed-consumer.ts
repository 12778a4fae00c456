import type { EventEnvelope } from '../event-store/event-envelope';

/** Something that reacts to the event feed: a projection or a process manager. */
export interface FeedConsumer {
  readonly name: string;
  /** Whether queries wait for this consumer when asked for read-your-writes. */
  readonly feedsReadModels: boolean;
  /** Must tolerate redelivery: the host only promises at-least-once. */
  handle(events: EventEnvelope[]): Promise<void>;
}

export const FEED_CONSUMERS = Symbol('FEED_CONSUMERS');
