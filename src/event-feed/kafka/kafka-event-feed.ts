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
  /** How many of a consumer's partitions are handled at once; each keeps its own order. */
  partitionsAtOnce?: number;
}

const DEFAULT_BATCH_SIZE = 500;
/** A commit that failed (a broker restart, a rebalance) is tried again after this long. */
const COMMIT_RETRY_MS = 500;
/**
 * Commits start at most this often per consumer. A commit per handled batch would be a broker
 * round trip (and a write to its offsets log) per event at a low rate; the offsets only decide
 * where a restarted consumer resumes, and handlers are idempotent, so a crash between two commits
 * costs only redelivery of what this interval handled. Stopping commits at once.
 */
const COMMIT_INTERVAL_MS = 100;

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
 *
 * Partitions are handled side by side, and commits go out in the background, one at a time with
 * the latest handled offsets and at most every COMMIT_INTERVAL_MS: a batch does not wait for a
 * commit round trip, and the next fetch does not wait for the other partitions. Stopping commits
 * what was handled before leaving.
 */
export class KafkaEventFeed implements EventFeed {
  private readonly topic: string;
  private readonly groupPrefix: string;
  private readonly createConsumer: (groupId: string) => Consumer;
  private readonly partitionsAtOnce: number;

  constructor(options: KafkaEventFeedOptions) {
    this.topic = options.topic ?? DEFAULT_TOPIC;
    this.groupPrefix = options.groupPrefix ?? consumerGroup(this.topic, '');
    const kafka = createKafkaClient(options);
    const sessionTimeout = options.sessionTimeoutMs ?? 10_000;
    this.partitionsAtOnce = options.partitionsAtOnce ?? 1;
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
      this.partitionsAtOnce,
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
  /** Per partition, the offset after the last message handled and not yet committed. */
  private readonly handled = new Map<number, string>();
  private committing = false;
  private commits: Promise<void> = Promise.resolve();
  private lastCommitAt = 0;
  /** Ends the wait for the next commit's turn early: set while that wait lasts. */
  private commitNow: (() => void) | undefined;
  private batchesInHand = 0;
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly consumer: Consumer,
    private readonly topic: string,
    private readonly batchSize: number,
    private readonly partitionsAtOnce: number,
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
      // This class commits what its handler finished; kafkajs would commit after every batch.
      autoCommit: false,
      partitionsConsumedConcurrently: this.partitionsAtOnce,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    this.batchesInHand++;
    try {
      await this.handleChunks(payload);
    } finally {
      if (--this.batchesInHand === 0) for (const resume of this.idle) resume();
    }
  }

  private async handleChunks(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    for (let start = 0; start < batch.messages.length; start += this.batchSize) {
      // What is left of the batch stays uncommitted, for whichever consumer gets the partition.
      if (this.failure || this.stopping || !isRunning() || isStale()) return;
      const messages = batch.messages.slice(start, start + this.batchSize);
      const last = messages[messages.length - 1];
      try {
        await this.handler(messages.map(toEnvelope), {
          partition: batch.partition,
          offset: Number(last.offset),
        });
      } catch (error) {
        this.fail(error);
        return;
      }
      resolveOffset(last.offset);
      this.handled.set(batch.partition, String(Number(last.offset) + 1));
      this.commitInBackground();
      await heartbeat();
    }
  }

  /** One commit at a time; what is handled meanwhile goes with the next one. */
  private commitInBackground(): void {
    if (this.committing) return;
    this.committing = true;
    this.commits = this.commitHandled();
  }

  /** Never rejects: a failed commit is tried again, and until then only means redelivery. */
  private async commitHandled(): Promise<void> {
    try {
      while (this.handled.size > 0) {
        await this.untilCommitDue();
        this.lastCommitAt = Date.now();
        const offsets = [...this.handled].map(([partition, offset]) => ({
          topic: this.topic,
          partition,
          offset,
        }));
        this.handled.clear();
        try {
          await this.consumer.commitOffsets(offsets);
        } catch {
          for (const { partition, offset } of offsets) {
            if (!this.handled.has(partition)) this.handled.set(partition, offset);
          }
          if (this.stopping) return;
          await new Promise((resolve) => setTimeout(resolve, COMMIT_RETRY_MS));
        }
      }
    } finally {
      // In the same turn as the last look at `handled`: a later offset starts a new commit.
      this.committing = false;
    }
  }

  private async untilCommitDue(): Promise<void> {
    const wait = this.lastCommitAt + COMMIT_INTERVAL_MS - Date.now();
    if (wait <= 0 || this.stopping) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.commitNow?.(), wait);
      this.commitNow = () => {
        clearTimeout(timer);
        this.commitNow = undefined;
        resolve();
      };
    });
  }

  private fail(error: unknown): void {
    this.failure ??= { error };
    this.shutDown();
  }

  /**
   * Lets the batches in hand finish, commits what they and earlier ones handled, then
   * disconnects, which leaves the group so that others take over at once.
   */
  private shutDown(): void {
    this.stopping ??= (async () => {
      await this.starting;
      await this.untilNoBatchInHand();
      await this.commitBeforeLeaving();
      await this.consumer.disconnect().catch((error: unknown) => {
        this.failure ??= { error };
      });
      if (this.failure) this.settle.reject(this.failure.error);
      else this.settle.resolve();
    })();
    this.commitNow?.();
  }

  private async untilNoBatchInHand(): Promise<void> {
    while (this.batchesInHand > 0) {
      await new Promise<void>((resolve) => {
        const resume = () => (this.idle.delete(resume), resolve());
        this.idle.add(resume);
      });
    }
  }

  private async commitBeforeLeaving(): Promise<void> {
    await this.commits;
    this.commitInBackground();
    await this.commits;
  }
}

function toEnvelope(message: KafkaMessage): EventEnvelope {
  if (message.value === null) throw new Error(`Kafka message at offset ${message.offset} is empty`);
  return JSON.parse(message.value.toString('utf8')) as EventEnvelope;
}
