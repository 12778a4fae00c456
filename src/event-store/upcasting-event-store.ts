import { upcastEvent } from '../domain/upcasting/upcast';
import type { EventEnvelope } from './event-envelope';
import type { EventStore } from './event-store.port';
import { ReadMappingEventStore } from './read-mapping-event-store';

/**
 * Wraps any event store so that every read hands out events in their current shape: stored events
 * of an older schema version are lifted by the domain's upcasters on the way out, while what is
 * stored stays as it was written. Appends, the head and closing pass straight through.
 */
export class UpcastingEventStore extends ReadMappingEventStore {
  constructor(
    inner: EventStore,
    private readonly upcast: (event: EventEnvelope) => EventEnvelope = upcastEvent,
  ) {
    super(inner);
  }

  /**
   * The wrapped store, for the few readers that need events exactly as stored: a lifted event keeps
   * the `hash` of its stored form, so tamper verification must read from here.
   */
  get stored(): EventStore {
    return this.inner;
  }

  /** Keeps the array itself when nothing needed lifting, which is the usual case. */
  protected mapRead(events: EventEnvelope[]): EventEnvelope[] {
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
