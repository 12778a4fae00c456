import type { EventEnvelope } from '../event-envelope';

/**
 * The log page that every subscription of a store asks for once an append wakes them all: read
 * and parsed once, then handed to each that asks for the same page (a copy of the array, the
 * same envelopes: consumers only read them). Only a non-empty page is kept: an empty read must
 * always reach the log, or a subscription could go to sleep past an event that had just landed.
 */
export class SharedPageRead {
  private last: { after: number; limit: number; events: EventEnvelope[] } | undefined;

  constructor(private readonly readPage: (after: number, limit: number) => EventEnvelope[]) {}

  read(after: number, limit: number): EventEnvelope[] {
    const last = this.last;
    if (last !== undefined && last.after === after && last.limit === limit) {
      return last.events.slice();
    }
    const events = this.readPage(after, limit);
    this.last = events.length > 0 ? { after, limit, events } : undefined;
    return events.slice();
  }
}
