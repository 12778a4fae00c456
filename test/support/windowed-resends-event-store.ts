import type { NewEvent } from '../../src/event-store/event-envelope';
import type { EventStore } from '../../src/event-store/event-store.port';
import type { ExpectedRevision } from '../../src/event-store/expected-revision';
import { CountingEventStore } from './counting-event-store';

/**
 * The embedded store recognises a re-sent append at any age; EventStoreDB's adapter only within
 * its look-back window. This store stands for the latter over the embedded one: a re-send of
 * events further back than its window would be written again, here made loud.
 */
export class WindowedResendsEventStore extends CountingEventStore {
  constructor(
    private readonly stored: EventStore,
    private readonly window: number,
  ) {
    super(stored);
  }

  override async append(streamId: string, events: NewEvent[], expected: ExpectedRevision) {
    const [head] = await this.stored.readStream(streamId, { direction: 'backwards', maxCount: 1 });
    for (const event of events) {
      const found = await this.stored.findEvent(streamId, event.eventId);
      if (found && head.revision - found.revision >= this.window) {
        throw new Error(`${event.eventId} would be written a second time`);
      }
    }
    return super.append(streamId, events, expected);
  }
}
