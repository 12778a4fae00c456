import type { EventEnvelope } from '../../src/event-store/event-envelope';
import type { EventStore } from '../../src/event-store/event-store.port';
import { logPages } from '../../src/history/log-pages';

/** The whole global log as `store` gives it now, paged as the app pages it (src/history). */
export async function wholeLog(store: Pick<EventStore, 'readAll'>): Promise<EventEnvelope[]> {
  const events: EventEnvelope[] = [];
  for await (const page of logPages(store, 0, { pageSize: 5000 })) events.push(...page);
  return events;
}
