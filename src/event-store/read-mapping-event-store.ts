import type { EventEnvelope, NewEvent } from './event-envelope';
import type {
  AppendResult,
  BatchHandler,
  EventLocation,
  EventStore,
  FindEventOptions,
  ReadAllOptions,
  ReadStreamOptions,
  SubscribeOptions,
  Subscription,
} from './event-store.port';
import type { ExpectedRevision } from './expected-revision';

/**
 * An event store that hands out every event it reads (streams, the log, subscriptions) through
 * `mapRead`, and passes appends, look-ups, the head and closing straight to the store it wraps.
 */
export abstract class ReadMappingEventStore implements EventStore {
  constructor(protected readonly inner: EventStore) {}

  protected abstract mapRead(events: EventEnvelope[]): EventEnvelope[] | Promise<EventEnvelope[]>;

  append(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    return this.inner.append(streamId, events, expected);
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<EventEnvelope[]> {
    return this.mapRead(await this.inner.readStream(streamId, options));
  }

  findEvent(
    streamId: string,
    eventId: string,
    options?: FindEventOptions,
  ): Promise<EventLocation | undefined> {
    return this.inner.findEvent(streamId, eventId, options);
  }

  async readAll(options?: ReadAllOptions): Promise<EventEnvelope[]> {
    return this.mapRead(await this.inner.readAll(options));
  }

  headPosition(): Promise<number> {
    return this.inner.headPosition();
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    return this.inner.subscribeToAll(options, async (events) =>
      handler(await this.mapRead(events)),
    );
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
