import { Inject, Injectable } from '@nestjs/common';
import type { EventEnvelope } from '../event-store/event-envelope';
import type { EventStore } from '../event-store/event-store.port';
import { AUDIT_EVENT_STORE } from './audit-event-store';

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
  constructor(@Inject(AUDIT_EVENT_STORE) private readonly eventStore: EventStore) {}

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
  async *streamBatches(streamId: string, fromRevision: number): AsyncGenerator<EventEnvelope[]> {
    let next = fromRevision;
    for (;;) {
      const page = await this.eventStore.readStream(streamId, {
        fromRevision: next,
        maxCount: HISTORY_PAGE_SIZE,
      });
      if (page.length > 0) yield page;
      if (page.length < HISTORY_PAGE_SIZE) return;
      next = page[page.length - 1].revision + 1;
    }
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

  private async *logPages(afterPosition: number): AsyncGenerator<EventEnvelope[]> {
    let after = afterPosition;
    for (;;) {
      const page = await this.eventStore.readAll({ after, maxCount: HISTORY_PAGE_SIZE });
      if (page.length === 0) return;
      yield page;
      after = page[page.length - 1].position;
    }
  }
}
