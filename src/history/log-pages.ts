import type { EventEnvelope } from '../event-store/event-envelope';
import type { EventStore } from '../event-store/event-store.port';

export const DEFAULT_PAGE_SIZE = 1000;

/**
 * The global log after position `after` (a position the store handed out, or 0), up to `until`
 * inclusive when given, else to the end as it is when each page is read, in position order. A page
 * is read only when the consumer asks for the next one, so a consumer that stops asking (a client
 * gone, a page full, a process stopping) stops the reading too.
 */
export async function* logPages(
  store: Pick<EventStore, 'readAll'>,
  after: number,
  options: { until?: number; pageSize?: number } = {},
): AsyncGenerator<EventEnvelope[]> {
  const { until = Infinity, pageSize = DEFAULT_PAGE_SIZE } = options;
  let checkpoint = after;
  while (checkpoint < until) {
    const page = await store.readAll({ after: checkpoint, maxCount: pageSize });
    if (page.length === 0) return;
    const last = page[page.length - 1];
    if (last.position >= until) {
      yield page.filter((event) => event.position <= until);
      return;
    }
    yield page;
    checkpoint = last.position;
  }
}
