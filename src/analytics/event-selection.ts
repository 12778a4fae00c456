import type { EventEnvelope } from '../event-store/event-envelope';

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
