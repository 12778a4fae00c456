import type { EventEnvelope } from '../event-store/event-envelope';
import type { EventStore } from '../event-store/event-store.port';

/** Which events of the global log an analyst asked for; every bound is inclusive. */
export interface EventSelection {
  fromPosition?: number;
  toPosition?: number;
  /** Recorded time, epoch milliseconds. */
  from?: number;
  to?: number;
  types?: readonly string[];
  streamPrefix?: string;
}

/** The test every event of a scan goes through; built once per request. */
export function eventMatcher(selection: EventSelection): (event: EventEnvelope) => boolean {
  const { fromPosition, toPosition, from, to, streamPrefix } = selection;
  const types = selection.types && new Set(selection.types);
  const timed = from !== undefined || to !== undefined;
  return (event) => {
    if (types && !types.has(event.type)) return false;
    if (streamPrefix !== undefined && !event.streamId.startsWith(streamPrefix)) return false;
    if (fromPosition !== undefined && event.position < fromPosition) return false;
    if (toPosition !== undefined && event.position > toPosition) return false;
    if (timed) {
      const recorded = Date.parse(event.recordedAt);
      if (from !== undefined && recorded < from) return false;
      if (to !== undefined && recorded > to) return false;
    }
    return true;
  };
}

/**
 * The global log after position `after` up to `until` (inclusive), one readAll page at a time, in
 * position order. A page is read only when the consumer asks for the next one, so a consumer that
 * stops asking (a client gone, a page full) stops the reading too. Works on any adapter: it needs
 * nothing from the port but readAll.
 */
export async function* logPages(
  store: EventStore,
  after: number,
  until: number,
  pageSize: number,
): AsyncGenerator<EventEnvelope[]> {
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
