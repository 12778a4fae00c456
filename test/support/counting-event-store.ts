import type { EventEnvelope } from '../../src/event-store/event-envelope';
import type {
  EventLocation,
  FindEventOptions,
  ReadStreamOptions,
} from '../../src/event-store/event-store.port';
import { ForwardingEventStore } from '../../src/event-store/forwarding-event-store';

/** Any event store, with a count of the events its stream reads hand out, taken at the port. */
export class CountingEventStore extends ForwardingEventStore {
  streamEventsRead = 0;
  streamReads = 0;
  findEventCalls = 0;

  /** Events read since the last call. */
  takeCount(): number {
    const read = this.streamEventsRead;
    this.streamEventsRead = 0;
    return read;
  }

  override async readStream(
    streamId: string,
    options?: ReadStreamOptions,
  ): Promise<EventEnvelope[]> {
    this.streamReads++;
    const events = await this.inner.readStream(streamId, options);
    this.streamEventsRead += events.length;
    return events;
  }

  override findEvent(
    streamId: string,
    eventId: string,
    options?: FindEventOptions,
  ): Promise<EventLocation | undefined> {
    this.findEventCalls++;
    return this.inner.findEvent(streamId, eventId, options);
  }
}
