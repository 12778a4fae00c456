import { upcastEvent } from '../domain/upcasting/upcast';
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
 * Wraps any event store so that every read hands out events in their current shape: stored events
 * of an older schema version are lifted by the domain's upcasters on the way out, while what is
 * stored stays as it was written. Appends, the head and closing pass straight through.
 */
export class UpcastingEventStore implements EventStore {
  constructor(
    private readonly inner: EventStore,
    private readonly upcast: (event: EventEnvelope) => EventEnvelope = upcastEvent,
  ) {}

  /**
   * The wrapped store, for the few readers that need events exactly as stored: a lifted event keeps
   * the `hash` of its stored form, so tamper verification must read from here.
   */
  get stored(): EventStore {
    return this.inner;
  }

  append(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    return this.inner.append(streamId, events, expected);
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<EventEnvelope[]> {
    return this.lift(await this.inner.readStream(streamId, options));
  }

  findEvent(
    streamId: string,
    eventId: string,
    options?: FindEventOptions,
  ): Promise<EventLocation | undefined> {
    return this.inner.findEvent(streamId, eventId, options);
  }

  async readAll(options?: ReadAllOptions): Promise<EventEnvelope[]> {
    return this.lift(await this.inner.readAll(options));
  }

  headPosition(): Promise<number> {
    return this.inner.headPosition();
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    return this.inner.subscribeToAll(options, (events) => handler(this.lift(events)));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** Keeps the array itself when nothing needed lifting, which is the usual case. */
  private lift(events: EventEnvelope[]): EventEnvelope[] {
    let lifted: EventEnvelope[] | undefined;
    for (let i = 0; i < events.length; i++) {
      const event = this.upcast(events[i]);
      if (event !== events[i]) {
        lifted ??= events.slice();
        lifted[i] = event;
      }
    }
    return lifted ?? events;
  }
}
