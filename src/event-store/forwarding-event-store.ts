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

/** An event store that passes every call to the store it wraps; wrappers override what they change. */
export abstract class ForwardingEventStore implements EventStore {
  constructor(protected readonly inner: EventStore) {}

  append(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    return this.inner.append(streamId, events, expected);
  }

  readStream(streamId: string, options?: ReadStreamOptions): Promise<EventEnvelope[]> {
    return this.inner.readStream(streamId, options);
  }

  findEvent(
    streamId: string,
    eventId: string,
    options?: FindEventOptions,
  ): Promise<EventLocation | undefined> {
    return this.inner.findEvent(streamId, eventId, options);
  }

  readAll(options?: ReadAllOptions): Promise<EventEnvelope[]> {
    return this.inner.readAll(options);
  }

  headPosition(): Promise<number> {
    return this.inner.headPosition();
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    return this.inner.subscribeToAll(options, handler);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
