import type { EventEnvelope } from '../event-store/event-envelope';

/** Something that reacts to the event feed: a projection or a process manager. */
export interface FeedConsumer {
  readonly name: string;
  /** Must tolerate redelivery: the host only promises at-least-once. */
  handle(events: EventEnvelope[]): Promise<void>;
}
