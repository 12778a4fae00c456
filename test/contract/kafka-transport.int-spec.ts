import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { EventEnvelope } from '../../src/event-store/event-envelope';
import type { Subscription } from '../../src/event-store/event-store.port';
import { createKafkaClient, type KafkaLog } from '../../src/event-feed/kafka/kafka-client';
import { KafkaEventFeed } from '../../src/event-feed/kafka/kafka-event-feed';
import { KafkaEventPublisher } from '../../src/event-feed/kafka/kafka-event-publisher';
import { ensureTopic } from '../../src/event-feed/kafka/kafka-topics';
import { startServer, stopServer } from '../support/infra-processes';

const BROKERS = process.env.KAFKA_BROKERS?.split(',');
const WAIT_TIMEOUT_MS = 20_000;

/** These tests provoke refused connections and rebalances on purpose; assertions judge them. */
const quietLog: KafkaLog = () => undefined;

describe('Kafka transport against a real broker', () => {
  if (!BROKERS) {
    it('has a broker to run against', () => {
      throw new Error('KAFKA_BROKERS is not set: run `bash infra/infra.sh up`');
    });
    return;
  }

  const brokers = BROKERS;
  const runId = randomUUID().slice(0, 8);
  let topic: string;
  let publisher: KafkaEventPublisher;
  let feed: KafkaEventFeed;
  const subscriptions: Subscription[] = [];
  let position = 0;

  function envelope(streamId: string, revision: number): EventEnvelope {
    return {
      eventId: randomUUID(),
      type: 'KafkaTested',
      schemaVersion: 1,
      hash: '0'.repeat(64),
      data: { streamId, revision, note: 'x'.repeat(64) },
      metadata: {
        actor: { subject: 'kafka-test', roles: ['tester'] },
        correlationId: randomUUID(),
        causationId: randomUUID(),
        commandId: randomUUID(),
      },
      streamId,
      revision,
      position: ++position,
      recordedAt: new Date().toISOString(),
    };
  }

  /** `count` events for each stream, interleaved across streams as a busy ledger would write. */
  function interleaved(streams: string[], count: number): EventEnvelope[] {
    const events: EventEnvelope[] = [];
    for (let revision = 0; revision < count; revision++) {
      for (const streamId of streams) events.push(envelope(streamId, revision));
    }
    return events;
  }

  async function publishInBatches(events: EventEnvelope[], size: number): Promise<void> {
    for (let start = 0; start < events.length; start += size) {
      await publisher.publish(events.slice(start, start + size));
    }
  }

  function subscribe(
    consumer: string,
    handler: (events: EventEnvelope[]) => Promise<void>,
    batchSize?: number,
  ): Subscription {
    const subscription = feed.subscribe({ consumer, after: 0, batchSize }, handler);
    subscriptions.push(subscription);
    return subscription;
  }

  async function waitFor(condition: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + WAIT_TIMEOUT_MS;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  const idsOf = (events: EventEnvelope[]) => events.map((event) => event.eventId).sort();

  beforeEach(async () => {
    topic = `ledger-events-test-${runId}-${randomUUID().slice(0, 8)}`;
    await ensureTopic(brokers, topic, 3, { log: quietLog });
    publisher = new KafkaEventPublisher({ brokers, topic, log: quietLog });
    feed = new KafkaEventFeed({
      brokers,
      topic,
      groupPrefix: `test-${runId}.`,
      log: quietLog,
      // As the app runs it: every partition of the topic at once.
      partitionsAtOnce: 3,
    });
  });

  afterEach(async () => {
    await Promise.all(subscriptions.splice(0).map((subscription) => subscription.stop()));
    await publisher.close();
  });

  it('delivers each published event once, exactly as published', async () => {
    const published = interleaved(['account-a', 'account-b', 'transfer-c'], 10);
    await publishInBatches(published, 7);

    const received: EventEnvelope[] = [];
    subscribe('exact', async (events) => {
      received.push(...events);
    });
    await waitFor(() => received.length >= published.length, 'every event arrived');
    await new Promise((resolve) => setTimeout(resolve, 250));

    expect(received).toHaveLength(published.length);
    const byId = new Map(received.map((event) => [event.eventId, event]));
    for (const event of published) expect(byId.get(event.eventId)).toStrictEqual(event);
  });

  it('keys each message by stream id and carries the identifying headers', async () => {
    const published = interleaved(['account-a', 'account-b', 'account-c', 'account-d'], 3);
    await publisher.publish(published);

    const consumer = createKafkaClient({ brokers, log: quietLog }).consumer({
      groupId: `test-${runId}.raw-${randomUUID()}`,
      // Disconnecting waits for an idle fetch, which would otherwise last 5 s.
      maxWaitTimeInMs: 100,
    });
    const raw: { partition: number; key: string; headers: Record<string, string> }[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          const headers = Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
          );
          raw.push({ partition, key: String(message.key), headers });
        },
      });
      await waitFor(() => raw.length >= published.length, 'every raw message arrived');
    } finally {
      await consumer.disconnect();
    }

    const byEventId = new Map(raw.map((message) => [message.headers.eventId, message]));
    for (const event of published) {
      expect(byEventId.get(event.eventId)).toMatchObject({
        key: event.streamId,
        headers: {
          eventId: event.eventId,
          type: event.type,
          streamId: event.streamId,
          revision: String(event.revision),
          position: String(event.position),
          correlationId: event.metadata.correlationId,
        },
      });
    }
    const partitionsOf = (streamId: string) =>
      new Set(raw.filter((message) => message.key === streamId).map((m) => m.partition));
    for (const streamId of new Set(published.map((event) => event.streamId))) {
      expect(partitionsOf(streamId).size).toBe(1);
    }
    expect(new Set(raw.map((message) => message.partition)).size).toBeGreaterThan(1);
  });

  it('keeps every stream in revision order across three partitions', async () => {
    const streams = Array.from({ length: 6 }, (_, n) => `account-${n}`);
    const published = interleaved(streams, 40);
    await publishInBatches(published, 17);

    const received: EventEnvelope[] = [];
    subscribe(
      'ordered',
      async (events) => {
        received.push(...events);
      },
      7,
    );
    await waitFor(() => received.length >= published.length, 'every event arrived');

    for (const streamId of streams) {
      const revisions = received
        .filter((event) => event.streamId === streamId)
        .map((event) => event.revision);
      expect(revisions).toEqual(Array.from({ length: 40 }, (_, n) => n));
    }
  });

  it('says where each partition ends after a publish, as the broker does', async () => {
    const first = await publisher.publish(interleaved(['account-a', 'account-b', 'account-c'], 4));
    expect(first).toEqual(await publisher.partitionEnds());

    const second = await publisher.publish([envelope('account-a', 4), envelope('account-a', 5)]);
    const ends = await publisher.partitionEnds();
    const [partition, end] = Object.entries(second)[0];
    expect(Object.keys(second)).toHaveLength(1);
    expect(end).toBe(first[partition] + 2);
    expect(end).toBe(ends[partition]);
  });

  it('handles partitions side by side, each in its own order', async () => {
    const streams = Array.from({ length: 6 }, (_, n) => `account-${n}`);
    const published = interleaved(streams, 5);
    await publisher.publish(published);

    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let holding = false;
    let handledWhileHeld = 0;
    const received: EventEnvelope[] = [];
    subscribe('side-by-side', async (events) => {
      received.push(...events);
      if (holding) {
        handledWhileHeld += events.length;
      } else if (handledWhileHeld === 0) {
        holding = true;
        await gate;
        holding = false;
      }
    });
    try {
      // The first handler is held; the other partitions' events arrive all the same.
      await waitFor(() => handledWhileHeld > 0, 'another partition is handled meanwhile');
    } finally {
      release();
    }
    await waitFor(() => received.length >= published.length, 'every event arrived');
    for (const streamId of streams) {
      const revisions = received.filter((e) => e.streamId === streamId).map((e) => e.revision);
      expect(revisions).toEqual([0, 1, 2, 3, 4]);
    }
  });

  it('commits what was handled soon after, while the subscription goes on', async () => {
    const published = interleaved(['account-a', 'account-b', 'account-c'], 10);
    const ends = await publisher.publish(published);
    const received: EventEnvelope[] = [];
    subscribe('committing', async (events) => {
      received.push(...events);
    });
    await waitFor(() => received.length >= published.length, 'every event arrived');

    const admin = createKafkaClient({ brokers, log: quietLog }).admin();
    await admin.connect();
    try {
      const committed = async () => {
        const [offsets] = await admin.fetchOffsets({
          groupId: `test-${runId}.committing`,
          topics: [topic],
        });
        return Object.fromEntries(
          offsets.partitions
            .filter(({ partition }) => String(partition) in ends)
            .map(({ partition, offset }) => [String(partition), Number(offset)]),
        );
      };
      const deadline = Date.now() + WAIT_TIMEOUT_MS;
      let last = await committed();
      while (JSON.stringify(last) !== JSON.stringify(ends) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        last = await committed();
      }
      expect(last).toEqual(ends);
    } finally {
      await admin.disconnect();
    }
  });

  it('commits a batch only after its handler resolves, so a failed batch is redelivered', async () => {
    const published = interleaved(['account-a', 'account-b', 'account-c'], 10);
    await publisher.publish(published);

    const handled: EventEnvelope[] = [];
    let calls = 0;
    const failing = subscribe(
      'redelivery',
      async (events) => {
        if (++calls === 3) throw new Error('projection write failed');
        handled.push(...events);
      },
      4,
    );
    await expect(failing.done).rejects.toThrow('projection write failed');

    const redelivered: EventEnvelope[] = [];
    subscribe('redelivery', async (events) => {
      redelivered.push(...events);
    });
    const handledIds = new Set(idsOf(handled));
    const notHandled = idsOf(published.filter((event) => !handledIds.has(event.eventId)));
    await waitFor(() => redelivered.length >= notHandled.length, 'the rest was redelivered');
    await new Promise((resolve) => setTimeout(resolve, 250));

    // Two chunks were handled and committed; the failed one and everything after it come again.
    expect(handled.length).toBeGreaterThan(0);
    expect(idsOf(redelivered)).toEqual(notHandled);
  });

  it('waits for the batch in hand when stopped, and commits it', async () => {
    const published = interleaved(['account-a'], 6);
    await publisher.publish(published);

    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handled: EventEnvelope[] = [];
    let entered = false;
    const subscription = subscribe('stopping', async (events) => {
      entered = true;
      await gate;
      handled.push(...events);
    });
    await waitFor(() => entered, 'the handler has a batch');
    let stopped = false;
    const stopping = subscription.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(stopped).toBe(false);

    release();
    await stopping;
    await expect(subscription.done).resolves.toBeUndefined();
    expect(idsOf(handled)).toEqual(idsOf(published));

    const afterRestart: EventEnvelope[] = [];
    subscribe('stopping', async (events) => {
      afterRestart.push(...events);
    });
    await publisher.publish([envelope('account-a', 6)]);
    await waitFor(() => afterRestart.length >= 1, 'the new event arrived');
    expect(afterRestart.map((event) => event.revision)).toEqual([6]);
  });

  it('gives every consumer group all events', async () => {
    const published = interleaved(['account-a', 'account-b', 'account-c'], 5);
    await publisher.publish(published);

    const projection: EventEnvelope[] = [];
    const processManager: EventEnvelope[] = [];
    subscribe('projection', async (events) => {
      projection.push(...events);
    });
    subscribe('process-manager', async (events) => {
      processManager.push(...events);
    });
    await waitFor(
      () => projection.length >= published.length && processManager.length >= published.length,
      'both groups have everything',
    );

    expect(idsOf(projection)).toEqual(idsOf(published));
    expect(idsOf(processManager)).toEqual(idsOf(published));
  });

  it('rejects a publish to a missing topic instead of creating it', async () => {
    const missing = new KafkaEventPublisher({
      brokers,
      topic: `missing-${randomUUID()}`,
      log: quietLog,
    });

    await expect(missing.publish([envelope('account-a', 0)])).rejects.toThrow(/acknowledge/);
    await missing.close();
  });

  it('ends a subscription to a missing topic instead of waiting for it', async () => {
    const missing = new KafkaEventFeed({
      brokers,
      topic: `missing-${randomUUID()}`,
      log: quietLog,
    });
    const subscription = missing.subscribe({ consumer: 'nobody', after: 0 }, async () => {});

    await expect(subscription.done).rejects.toThrow();
  });

  describe('when the broker is unreachable', () => {
    let deadPort: number;

    beforeAll(async () => {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      deadPort = (server.address() as { port: number }).port;
      await new Promise((resolve) => server.close(resolve));
    });

    it('rejects a publish within a few seconds', async () => {
      const unreachable = new KafkaEventPublisher({
        brokers: [`127.0.0.1:${deadPort}`],
        topic,
        log: quietLog,
      });
      const startedAt = Date.now();

      await expect(unreachable.publish([envelope('account-a', 0)])).rejects.toThrow(
        /could not connect/,
      );
      expect(Date.now() - startedAt).toBeLessThan(8000);
      await unreachable.close();
    });

    it('rejects a subscription within a few seconds', async () => {
      const unreachable = new KafkaEventFeed({
        brokers: [`127.0.0.1:${deadPort}`],
        topic,
        log: quietLog,
      });
      const startedAt = Date.now();

      const subscription = unreachable.subscribe({ consumer: 'c', after: 0 }, async () => {});
      await expect(subscription.done).rejects.toThrow();
      expect(Date.now() - startedAt).toBeLessThan(8000);
    });
  });

  it('fails publishes while the broker is down and recovers once it is back', async () => {
    await publisher.publish([envelope('account-a', 0)]);

    await stopServer('kafka');
    try {
      await expect(publisher.publish([envelope('account-a', 1)])).rejects.toThrow();
    } finally {
      await startServer('kafka');
    }
    const after = envelope('account-a', 1);
    await publisher.publish([after]);

    const received: EventEnvelope[] = [];
    subscribe('after-restart', async (events) => {
      received.push(...events);
    });
    await waitFor(() => received.some((event) => event.eventId === after.eventId), 'it arrived');
  }, 90_000);
});
