import { Inject, Injectable } from '@nestjs/common';
import type { EventEnvelope } from '../event-store/event-envelope';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port';
import { PersonalDataSealer } from '../privacy/personal-data-sealer';
import { LedgerError } from '../problems/ledger-error';
import { decodeCursor, encodeCursor } from '../queries/cursor';
import type { Page } from '../queries/page';
import { logPages } from '../history/log-pages';
import { type EventSelection, eventMatcher } from './event-selection';

/** Events read from the store per readAll call. */
export const READ_PAGE_SIZE = 1000;
/**
 * Most events one JSON page request looks at. A selective filter may find fewer than `limit`
 * matches (even none) within it; the page then ends early with a cursor to go on from, so no
 * single request scans the whole log.
 */
export const SCAN_BUDGET = 20_000;

export interface StreamPage {
  items: EventEnvelope[];
  /** Pass as `fromRevision` to read on; null when the stream has no more in this direction. */
  nextFromRevision: number | null;
}

interface Scan {
  after: number;
  until: number;
  matches: (event: EventEnvelope) => boolean;
}

/**
 * The global log and single streams, straight from the event store, for analysts. Events are
 * selected in their stored form and only those answered have their personal fields opened.
 */
@Injectable()
export class EventLog {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly sealer: PersonalDataSealer,
  ) {}

  /** One page of matching events, in position order. */
  async page(
    selection: EventSelection,
    limit: number,
    cursor?: string,
  ): Promise<Page<EventEnvelope>> {
    const { after, until, matches } = await this.scan(selection, cursor);
    const items: EventEnvelope[] = [];
    let scanned = 0;
    for await (const page of logPages(this.store, after, { until, pageSize: READ_PAGE_SIZE })) {
      for (const event of page) {
        if (!matches(event)) continue;
        if (items.length === limit) {
          // A further match exists: the page is full and the next one starts after its last item.
          const nextCursor = encodeCursor('position', items[limit - 1].position);
          return { items: await this.opened(items), nextCursor };
        }
        items.push(event);
      }
      scanned += page.length;
      const reached = page.length > 0 ? page[page.length - 1].position : until;
      if (scanned >= SCAN_BUDGET && reached < until) {
        return { items: await this.opened(items), nextCursor: encodeCursor('position', reached) };
      }
    }
    return { items: await this.opened(items), nextCursor: null };
  }

  /**
   * Every matching event, as pages read lazily from the store (a page may be empty when nothing in
   * it matched). The bounds are fixed before this resolves, so a store that cannot be reached fails
   * the request before anything is streamed.
   */
  async export(
    selection: EventSelection,
    cursor?: string,
  ): Promise<AsyncGenerator<EventEnvelope[]>> {
    const { after, until, matches } = await this.scan(selection, cursor);
    const store = this.store;
    const opened = (events: EventEnvelope[]) => this.opened(events);
    return (async function* () {
      for await (const page of logPages(store, after, { until, pageSize: READ_PAGE_SIZE })) {
        yield await opened(page.filter(matches));
      }
    })();
  }

  /**
   * After the cursor (or before fromPosition) and up to toPosition, but never past the head as it
   * is now: an export of a busy log ends, and a page answers for one moment of the log.
   */
  private async scan(selection: EventSelection, cursor: string | undefined): Promise<Scan> {
    const after = Math.max(
      cursor === undefined ? 0 : positionOf(cursor),
      (selection.fromPosition ?? 1) - 1,
      0,
    );
    const head = await this.store.headPosition();
    const until = Math.min(selection.toPosition ?? head, head);
    return { after, until, matches: eventMatcher(selection) };
  }

  async stream(
    streamId: string,
    direction: 'forwards' | 'backwards',
    fromRevision: number | undefined,
    limit: number,
  ): Promise<StreamPage> {
    const events = await this.store.readStream(streamId, {
      direction,
      ...(fromRevision === undefined ? {} : { fromRevision }),
      maxCount: limit + 1,
    });
    if (events.length === 0) {
      const last = await this.store.readStream(streamId, { direction: 'backwards', maxCount: 1 });
      if (last.length === 0) {
        throw new LedgerError('STREAM_NOT_FOUND', `No stream ${streamId}`);
      }
    }
    const more = events.length > limit;
    return {
      items: await this.opened(events.slice(0, limit)),
      nextFromRevision: more ? events[limit].revision : null,
    };
  }

  private async opened(events: EventEnvelope[]): Promise<EventEnvelope[]> {
    const opened: EventEnvelope[] = [];
    for (const event of events) opened.push(await this.sealer.open(event));
    return opened;
  }
}

function positionOf(cursor: string): number {
  return decodeCursor(cursor, 'position');
}
