import { createKafkaClient, type KafkaClientOptions } from './kafka-client';

export const DEFAULT_TOPIC = 'ledger-events';

/**
 * Creates the topic unless it exists, and returns once every partition has a leader, so that the
 * first publish does not race the broker. An existing topic is left as it is, partitions included:
 * changing the count would move streams between partitions and break their order.
 */
export async function ensureTopic(
  brokers: string[],
  topic: string = DEFAULT_TOPIC,
  partitions = 3,
  options: Omit<KafkaClientOptions, 'brokers'> = {},
): Promise<void> {
  const admin = createKafkaClient({ ...options, brokers }).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}
