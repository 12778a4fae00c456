import type { EventEnvelope } from '../event-store/event-envelope';
import type { EventStore } from '../event-store/event-store.port';
import { DEFAULT_PAGE_SIZE } from './log-pages';

/**
 * One stream from `fromRevision` (default 0) to `toRevision` inclusive when given, else to its
 * end, a page at a time and only as the consumer asks. An unknown stream yields nothing.
 */
export async function* streamPages(
  store: Pick<EventStore, 'readStream'>,
  streamId: string,
  options: { fromRevision?: number; toRevision?: number; pageSize?: number } = {},
): AsyncGenerator<EventEnvelope[]> {
  const { toRevision = Number.MAX_SAFE_INTEGER, pageSize = DEFAULT_PAGE_SIZE } = options;
  let next = options.fromRevision ?? 0;
  while (next <= toRevision) {
    const maxCount = Math.min(pageSize, toRevision - next + 1);
    const page = await store.readStream(streamId, { fromRevision: next, maxCount });
    if (page.length > 0) yield page;
    if (page.length < maxCount) return;
    next = page[page.length - 1].revision + 1;
  }
}

/** The same, event by event. */
export async function* streamEvents(
  store: Pick<EventStore, 'readStream'>,
  streamId: string,
  options: { fromRevision?: number; toRevision?: number; pageSize?: number } = {},
): AsyncGenerator<EventEnvelope> {
  for await (const page of streamPages(store, streamId, options)) yield* page;
}
