import type { EventEnvelope } from './event-envelope';
import type {
  BatchHandler,
  ReadAllOptions,
  ReadStreamOptions,
  SubscribeOptions,
  Subscription,
} from './event-store.port';
import { ForwardingEventStore } from './forwarding-event-store';

/**
 * An event store that hands out every event it reads (streams, the log, subscriptions) through
 * `mapRead`, and passes appends, look-ups, the head and closing straight to the store it wraps.
 */
export abstract class ReadMappingEventStore extends ForwardingEventStore {
  protected abstract mapRead(events: EventEnvelope[]): EventEnvelope[] | Promise<EventEnvelope[]>;

  override async readStream(
    streamId: string,
    options?: ReadStreamOptions,
  ): Promise<EventEnvelope[]> {
    return this.mapRead(await this.inner.readStream(streamId, options));
  }

  override async readAll(options?: ReadAllOptions): Promise<EventEnvelope[]> {
    return this.mapRead(await this.inner.readAll(options));
  }

  override subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    return this.inner.subscribeToAll(options, async (events) =>
      handler(await this.mapRead(events)),
    );
  }
}
