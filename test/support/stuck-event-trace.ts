import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { consumerGroup } from '../../src/event-feed/kafka/kafka-event-feed';
import type { EventEnvelope } from '../../src/event-store/event-envelope';

/**
 * For events a read model never showed: where each one got to on its way (in the topic, at which
 * partition and offset; the consumer group's committed offset there; the consumer's checkpoint;
 * a dead letter), so that a failure in CI says which hop lost it.
 */
export async function traceStuckEvents(
  topic: string,
  mongoUrl: string,
  consumer: string,
  events: EventEnvelope[],
): Promise<string[]> {
  if (events.length === 0) return [];
  const kafka = new Kafka({
    brokers: process.env.KAFKA_BROKERS!.split(','),
    clientId: 'faults-test-trace',
    logLevel: logLevel.NOTHING,
  });
  const found = await findInTopic(kafka, topic, new Set(events.map((e) => e.eventId)));
  const admin = kafka.admin();
  await admin.connect();
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 3000 });
  try {
    const [committed] = await admin.fetchOffsets({
      groupId: consumerGroup(topic, consumer),
      topics: [topic],
    });
    const db = client.db();
    const checkpoint = await db
      .collection<{ _id: string }>('checkpoints')
      .findOne({ _id: consumer });
    const lines = [`${consumer} checkpoint ${JSON.stringify(checkpoint)}`];
    for (const event of events) {
      const at = found.get(event.eventId) ?? [];
      const where = at
        .map(({ partition, offset }) => {
          const group = committed?.partitions.find((p) => p.partition === partition)?.offset;
          return `partition ${partition} offset ${offset} (group committed ${group})`;
        })
        .join(', ');
      const dead = await db
        .collection<{ _id: string; reason: string }>('dead_letters')
        .findOne({ _id: `${consumer}:${event.eventId}` });
      lines.push(
        `${event.type} ${event.streamId} r${event.revision} @${event.position}: ` +
          (where ? `in the topic at ${where}` : 'NOT in the topic') +
          (dead ? `; dead-lettered: ${dead.reason}` : ''),
      );
    }
    return lines;
  } finally {
    await admin.disconnect().catch(() => undefined);
    await client.close().catch(() => undefined);
  }
}

/** Every place in the topic where one of `eventIds` was published (re-sends show twice). */
async function findInTopic(
  kafka: Kafka,
  topic: string,
  eventIds: Set<string>,
): Promise<Map<string, { partition: number; offset: string }[]>> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const pending = new Set(
    ends.filter((e) => Number(e.high) > Number(e.low)).map((e) => e.partition),
  );
  const found = new Map<string, { partition: number; offset: string }[]>();
  const consumer = kafka.consumer({ groupId: `faults-test-trace-${Date.now()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 30_000);
      if (pending.size === 0) resolve();
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const eventId = message.headers?.eventId?.toString();
          if (eventId && eventIds.has(eventId)) {
            found.set(eventId, [
              ...(found.get(eventId) ?? []),
              { partition, offset: message.offset },
            ]);
          }
          const high = Number(ends.find((e) => e.partition === partition)!.high);
          if (Number(message.offset) + 1 >= high) pending.delete(partition);
          if (pending.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  return found;
}
