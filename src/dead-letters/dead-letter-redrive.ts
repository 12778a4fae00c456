import type { DeadLetters } from '../event-feed/dead-letters.port';
import type { FeedConsumer } from '../subscriptions/feed-consumer';

/**
 * Hands a consumer's dead letters back to it, oldest first, once the cause has been fixed. Each
 * one that now applies is removed; one that still fails is recorded again by the consumer.
 */
export async function redriveDeadLetters(
  consumer: FeedConsumer,
  deadLetters: DeadLetters,
): Promise<{ redriven: number; stillDead: number }> {
  const letters = await deadLetters.list(consumer.name);
  for (const letter of letters) await deadLetters.remove(consumer.name, letter.event.eventId);
  await consumer.handle(letters.map((letter) => letter.event));
  const stillDead = (await deadLetters.list(consumer.name)).length;
  return { redriven: letters.length - stillDead, stillDead };
}
