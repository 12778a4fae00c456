import type { EventStore } from '../event-store/event-store.port';

/**
 * How far a checkpoint trails the head: events not handled yet, and seconds since the oldest of
 * them was recorded. Counting events assumes dense positions (the embedded store's); elsewhere it is
 * the position distance.
 */
export async function lagOf(
  store: EventStore,
  position: number,
  head: number,
  now = Date.now(),
): Promise<{ events: number; seconds: number }> {
  if (position >= head) return { events: 0, seconds: 0 };
  const [oldest] = await store.readAll({ after: position, maxCount: 1 });
  const seconds = oldest ? Math.max(0, (now - Date.parse(oldest.recordedAt)) / 1000) : 0;
  return { events: head - position, seconds };
}
