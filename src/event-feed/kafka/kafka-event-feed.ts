import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { EventEnvelope } from '../../event-store/event-envelope';
import type { Subscription } from '../../event-store/event-store.port';
import type { EventFeed, FeedHandler, FeedSubscribeOptions } from '../event-feed.port';
import { createKafkaClient, type KafkaClientOptions } from './kafka-client';
import { DEFAULT_TOPIC } from './kafka-topics';

export interface KafkaEventFeedOptions extends KafkaClientOptions {
  topic?: string;
  /** Each consumer name becomes the consumer group `${groupPrefix}${name}`. */
  groupPrefix?: string;
  /** How long the group waits for a consumer that vanished without leaving (a killed process). */
  sessionTimeoutMs?: number;
}

const DEFAULT_BATCH_SIZE = 500;

/**
 * The consumer group of one consumer on one topic. Groups are per topic: kafkajs's assigner would
 * otherwise share a group's partitions between members reading different topics, and leave some
 * unread.
 */
export function consumerGroup(topic: string, consumer: string): string {
  return `ledgerline.${topic}.${consumer}`;
}

/**
 * Fans events out through Kafka consumer groups: each consumer name is a group, and Kafka keeps
 * its offsets. A handler sees each partition's events in order (so each stream's), but partitions
 * interleave: global positions arrive out of order and `after` cannot be applied, so handlers must
 * be idempotent per stream rather than rely on a global checkpoint. Offsets are committed only
 * after the handler has resolved, so delivery is at least once.
 */
export class KafkaEventFeed implements EventFeed {
  private readonly topic: string;
  private readonly groupPrefix: string;
  private readonly createConsumer: (groupId: string) => Consumer;

  constructor(options: KafkaEventFeedOptions) {
    this.topic = options.topic ?? DEFAULT_TOPIC;
    this.groupPrefix = options.groupPrefix ?? consumerGroup(this.topic, '');
    const kafka = createKafkaClient(options);
    const sessionTimeout = options.sessionTimeoutMs ?? 10_000;
    this.createConsumer = (groupId) =>
      kafka.consumer({
        groupId,
        sessionTimeout,
        heartbeatInterval: Math.floor(sessionTimeout / 3),
        allowAutoTopicCreation: false,
        // An idle fetch waits this long for data, and stopping waits for the fetch: 5 s by default.
        maxWaitTimeInMs: 1000,
        // A failed consumer ends its subscription; restarting is the caller's decision.
        retry: { retries: options.retries ?? 5, restartOnFailure: async () => false },
      });
  }

  subscribe({ consumer, batchSize }: FeedSubscribeOptions, handler: FeedHandler): Subscription {
    return new KafkaFeedSubscription(
      this.createConsumer(`${this.groupPrefix}${consumer}`),
      this.topic,
      batchSize ?? DEFAULT_BATCH_SIZE,
      handler,
    );
  }
}

class KafkaFeedSubscription implements Subscription {
  readonly done: Promise<void>;
  private readonly starting: Promise<void>;
  private stopping: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;
  private settle!: { resolve: () => void; reject: (error: unknown) => void };

  constructor(
    private readonly consumer: Consumer,
    private readonly topic: string,
    private readonly batchSize: number,
    private readonly handler: FeedHandler,
  ) {
    this.done = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    // Emitted once kafkajs has given up on an error of its own and disconnected.
    consumer.on(consumer.events.CRASH, ({ payload }) => this.fail(payload.error));
    this.starting = this.start().catch((error: unknown) => this.fail(error));
  }

  async stop(): Promise<void> {
    this.shutDown();
    // A failure is reported through `done`; stopping has still succeeded.
    await this.done.catch(() => undefined);
  }

  private async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    if (this.stopping) return;
    await this.consumer.run({
      eachBatchAutoResolve: false,
      // Commit as soon as anything is resolved, i.e. right after each handled chunk.
      autoCommitThreshold: 1,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isRunning, isStale } =
      payload;
    for (let start = 0; start < batch.messages.length; start += this.batchSize) {
      // What is left of the batch stays uncommitted, for whichever consumer gets the partition.
      if (this.failure || !isRunning() || isStale()) return;
      const messages = batch.messages.slice(start, start + this.batchSize);
      try {
        const last = messages[messages.length - 1];
        await this.handler(messages.map(toEnvelope), {
          partition: batch.partition,
          offset: Number(last.offset),
        });
      } catch (error) {
        this.fail(error);
        return;
      }
      resolveOffset(messages[messages.length - 1].offset);
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
  }

  private fail(error: unknown): void {
    this.failure ??= { error };
    this.shutDown();
  }

  /** Disconnecting waits for the batch in hand and leaves the group, so others take over at once. */
  private shutDown(): void {
    this.stopping ??= (async () => {
      await this.starting;
      await this.consumer.disconnect().catch((error: unknown) => {
        this.failure ??= { error };
      });
      if (this.failure) this.settle.reject(this.failure.error);
      else this.settle.resolve();
    })();
  }
}

function toEnvelope(message: KafkaMessage): EventEnvelope {
  if (message.value === null) throw new Error(`Kafka message at offset ${message.offset} is empty`);
  return JSON.parse(message.value.toString('utf8')) as EventEnvelope;
}
