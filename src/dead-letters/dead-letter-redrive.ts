import type { DeadLetters } from '../event-feed/dead-letters.port';
import type { FeedConsumer } from '../subscriptions/feed-consumer';

/**
 * Hands a consumer's dead letters back to it, oldest first, once the cause has been fixed. A letter
 * is removed only after its event applied: one that still fails is recorded again by the consumer
 * (with a newer `deadAt`) and stays, and a crash half way loses none.
 */
export async function redriveDeadLetters(
  consumer: FeedConsumer,
  deadLetters: DeadLetters,
): Promise<{ redriven: number; stillDead: number }> {
  const letters = await deadLetters.list(consumer.name);
  const startedAt = new Date().toISOString();
  await consumer.handle(letters.map((letter) => letter.event));
  const recordedAgain = new Set(
    (await deadLetters.list(consumer.name))
      .filter((letter) => letter.deadAt >= startedAt)
      .map((letter) => letter.event.eventId),
  );
  const applied = letters.filter((letter) => !recordedAgain.has(letter.event.eventId));
  for (const letter of applied) await deadLetters.remove(consumer.name, letter.event.eventId);
  return { redriven: applied.length, stillDead: letters.length - applied.length };
}
