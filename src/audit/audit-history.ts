import { Inject, Injectable } from '@nestjs/common';
import type { EventEnvelope } from '../event-store/event-envelope';
import { type EventStore, STORED_EVENT_STORE } from '../event-store/event-store.port';
import { logPages } from '../history/log-pages';
import { streamPages } from '../history/stream-pages';

/** Events read from the store at a time by exports and scans. */
export const HISTORY_PAGE_SIZE = 1000;

export interface HistoryPage {
  items: EventEnvelope[];
  /** Where the next page starts (a revision for streams, an exclusive position for the log). */
  next: number | null;
}

/** Audit reads straight from the event store: the record itself, not a projection of it. */
@Injectable()
export class AuditHistory {
  constructor(@Inject(STORED_EVENT_STORE) private readonly eventStore: EventStore) {}

  async streamPage(streamId: string, fromRevision: number, limit: number): Promise<HistoryPage> {
    const found = await this.eventStore.readStream(streamId, {
      fromRevision,
      maxCount: limit + 1,
    });
    return {
      items: found.slice(0, limit),
      next: found.length > limit ? found[limit].revision : null,
    };
  }

  /** The stream from `fromRevision` to its end, a page at a time. */
  streamBatches(streamId: string, fromRevision: number): AsyncGenerator<EventEnvelope[]> {
    return streamPages(this.eventStore, streamId, { fromRevision, pageSize: HISTORY_PAGE_SIZE });
  }

  /**
   * Up to `limit` events of one business operation after `afterPosition`, in global order. The
   * port has no index by correlation id, so this scans the global log: its cost grows with the
   * log, not with the operation.
   */
  async correlationPage(
    correlationId: string,
    afterPosition: number,
    limit: number,
  ): Promise<HistoryPage> {
    const items: EventEnvelope[] = [];
    for await (const batch of this.correlationBatches(correlationId, afterPosition)) {
      items.push(...batch);
      if (items.length > limit) break;
    }
    return {
      items: items.slice(0, limit),
      next: items.length > limit ? items[limit - 1].position : null,
    };
  }

  /** Every event of one business operation after `afterPosition`, by scanning the global log. */
  async *correlationBatches(
    correlationId: string,
    afterPosition: number,
  ): AsyncGenerator<EventEnvelope[]> {
    for await (const page of this.logPages(afterPosition)) {
      const matching = page.filter((event) => event.metadata?.correlationId === correlationId);
      if (matching.length > 0) yield matching;
    }
  }

  /** Every stream id in the global log. */
  async streamIds(): Promise<Set<string>> {
    const ids = new Set<string>();
    for await (const page of this.logPages(0)) {
      for (const event of page) ids.add(event.streamId);
    }
    return ids;
  }

  private logPages(afterPosition: number): AsyncGenerator<EventEnvelope[]> {
    return logPages(this.eventStore, afterPosition, { pageSize: HISTORY_PAGE_SIZE });
  }
}
