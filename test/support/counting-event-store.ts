import type { EventEnvelope, NewEvent } from '../../src/event-store/event-envelope';
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
} from '../../src/event-store/event-store.port';
import type { ExpectedRevision } from '../../src/event-store/expected-revision';

/** Any event store, with a count of the events its stream reads hand out, taken at the port. */
export class CountingEventStore implements EventStore {
  streamEventsRead = 0;
  findEventCalls = 0;

  constructor(private readonly inner: EventStore) {}

  /** Events read since the last call. */
  takeCount(): number {
    const read = this.streamEventsRead;
    this.streamEventsRead = 0;
    return read;
  }

  append(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    return this.inner.append(streamId, events, expected);
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<EventEnvelope[]> {
    const events = await this.inner.readStream(streamId, options);
    this.streamEventsRead += events.length;
    return events;
  }

  findEvent(
    streamId: string,
    eventId: string,
    options?: FindEventOptions,
  ): Promise<EventLocation | undefined> {
    this.findEventCalls++;
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
