/**
 * What kafkajs itself manages against the local broker, as a ceiling for the event feed adapters:
 * 20,000 messages of about 400 bytes produced in batches of 500 by an idempotent producer with
 * acks from all replicas, then consumed from the beginning by a new consumer group.
 * Run: node -r ts-node/register/transpile-only bench/kafka-raw.bench.ts (after infra.sh up).
 */
import { randomUUID } from 'node:crypto';
import { Kafka, Partitioners, logLevel } from 'kafkajs';

const MESSAGES = 20_000;
const BATCH = 500;
const PARTITIONS = 3;

async function main(): Promise<void> {
  const brokers = process.env.KAFKA_BROKERS?.split(',');
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run `bash infra/infra.sh up`');
  const kafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.ERROR });
  const topic = `bench-raw-${randomUUID()}`;

  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: PARTITIONS }],
    waitForLeaders: true,
  });

  const messages = Array.from({ length: MESSAGES }, (_, n) => ({
    key: `account-${n % 100}`,
    value: JSON.stringify({ n, eventId: randomUUID(), type: 'Deposited', pad: 'x'.repeat(320) }),
  }));
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const produceStart = performance.now();
  for (let start = 0; start < MESSAGES; start += BATCH) {
    await producer.send({ topic, acks: -1, messages: messages.slice(start, start + BATCH) });
  }
  const produceMs = performance.now() - produceStart;
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `${topic}-group`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let consumed = 0;
  let firstAt = 0;
  const consumeStart = performance.now();
  const allConsumed = new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        firstAt ||= performance.now();
        consumed += batch.messages.length;
        if (consumed >= MESSAGES) resolve();
      },
    });
  });
  await allConsumed;
  const consumeEnd = performance.now();
  await consumer.disconnect();
  await admin.deleteTopics({ topics: [topic] });
  await admin.disconnect();

  const size = Buffer.byteLength(messages[0].value);
  console.log(`kafkajs 2.2.4, ${MESSAGES} messages of ${size} bytes, ${PARTITIONS} partitions`);
  console.log(
    `produce (idempotent, acks=all, batches of ${BATCH}): ${rate(MESSAGES, produceMs)} msg/s ` +
      `(${Math.round(produceMs)} ms)`,
  );
  console.log(
    `consume (new group, from the beginning): ${rate(MESSAGES, consumeEnd - firstAt)} msg/s ` +
      `after the first batch; ${Math.round(consumeEnd - consumeStart)} ms including the group join`,
  );
}

function rate(count: number, ms: number): string {
  return Math.round((count / ms) * 1000).toLocaleString('en-US');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
