import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  Optional,
} from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { EVENT_FEED, type EventFeed } from '../event-feed/event-feed.port';
import type { Subscription } from '../event-store/event-store.port';
import { LedgerMetrics } from '../observability/ledger-metrics';
import { isStorageFault, isTransientFault } from '../storage/storage-fault';
import { CheckpointStore } from './checkpoint-store';
import type { FeedConsumer } from './feed-consumer';

export interface ConsumerStatus {
  name: string;
  state: 'starting' | 'running' | 'restarting' | 'failed' | 'stopped';
  /** Checkpoint the current subscription started after. */
  resumedFrom: number;
  position: number;
  lastError?: string;
}

/** Told when a consumer has failed too often in a row to go on restarting it. */
export const ON_CONSUMER_GIVE_UP = Symbol('ON_CONSUMER_GIVE_UP');
export type ConsumerGiveUp = (consumer: string) => void;

/** About half a minute of back-off in all: long enough to ride out a broker or database restart. */
const MAX_CONSECUTIVE_FAILURES = 10;
const MAX_BACKOFF_MS = 5000;
/**
 * Failures count as "in a row" unless this long passed without one. A success alone does not
 * reset the count: with a partitioned feed, healthy partitions succeed between the failures of one
 * poisoned partition, which must still end in giving up.
 */
const FAILURE_WINDOW_MS = 60_000;
/** While a store stays busy or full, one log line per this many retries. */
const STORAGE_WAIT_LOG_EVERY = 20;
/** A batch that takes longer is treated as a stalled consumer, which is restarted. */
const BATCH_TIMEOUT_MS = 60_000;

/**
 * Runs each consumer on the feed from its checkpoint, saves the checkpoint after every batch it
 * handled, and restarts a consumer that failed from its last checkpoint, with back-off.
 */
@Injectable()
export class ConsumerHost implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ConsumerHost.name);
  private readonly running = new Map<string, { subscription?: Subscription; stopped: boolean }>();
  private readonly statuses = new Map<string, ConsumerStatus>();

  constructor(
    @Inject(EVENT_FEED) private readonly feed: EventFeed,
    private readonly checkpoints: CheckpointStore,
    @Optional() private readonly metrics?: LedgerMetrics,
    @Optional()
    @Inject(ON_CONSUMER_GIVE_UP)
    private readonly giveUp: ConsumerGiveUp = () => undefined,
  ) {}

  start(consumer: FeedConsumer): void {
    const slot: { subscription?: Subscription; stopped: boolean } = { stopped: false };
    this.running.set(consumer.name, slot);
    this.statuses.set(consumer.name, {
      name: consumer.name,
      state: 'starting',
      resumedFrom: 0,
      position: 0,
    });
    void this.supervise(consumer, slot);
  }

  status(): ConsumerStatus[] {
    return [...this.statuses.values()].map((s) => ({ ...s }));
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.running.values()].map(async (slot) => {
        slot.stopped = true;
        await slot.subscription?.stop();
      }),
    );
    for (const status of this.statuses.values()) status.state = 'stopped';
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.stopAll();
  }

  private async supervise(
    consumer: FeedConsumer,
    slot: { subscription?: Subscription; stopped: boolean },
  ): Promise<void> {
    const status = this.statuses.get(consumer.name)!;
    let failures = 0;
    let lastFailureAt = 0;
    let storageWaits = 0;
    while (!slot.stopped) {
      try {
        const after = await this.checkpoints.get(consumer.name);
        status.resumedFrom = after;
        status.position = after;
        slot.subscription = this.feed.subscribe(
          { consumer: consumer.name, after },
          async (events, progress) => {
            await withTimeout(consumer.handle(events), BATCH_TIMEOUT_MS, consumer.name);
            const position = Math.max(...events.map((event) => event.position));
            await this.checkpoints.save(consumer.name, position, progress);
            status.position = position;
            this.metrics?.eventsHandled.inc({ consumer: consumer.name }, events.length);
            storageWaits = 0;
            if (Date.now() - lastFailureAt > FAILURE_WINDOW_MS) failures = 0;
          },
        );
        status.state = 'running';
        await slot.subscription.done;
        return;
      } catch (error) {
        if (isTransientFault(error) && isStorageFault(error)) {
          // A busy or full store is not this consumer's failure: it waits, however long that
          // takes, and goes on from its checkpoint once the store takes writes again.
          storageWaits++;
          this.metrics?.storageWaits.inc({ consumer: consumer.name, reason: error.reason });
          status.lastError = error.message;
          status.state = 'restarting';
          if (storageWaits === 1 || storageWaits % STORAGE_WAIT_LOG_EVERY === 0) {
            this.logger.warn(
              `${consumer.name} waits for its store (${error.reason}, ${storageWaits} tries): ${error.message}`,
            );
          }
          await sleep(Math.min(100 * 2 ** Math.min(storageWaits, 6), MAX_BACKOFF_MS));
          continue;
        }
        storageWaits = 0;
        failures++;
        lastFailureAt = Date.now();
        this.metrics?.consumerFailures.inc({ consumer: consumer.name });
        status.lastError = error instanceof Error ? error.message : String(error);
        this.logger.error(
          `${consumer.name} failed (${failures} in a row): ${status.lastError}`,
          (error as Error).stack,
        );
        if (failures >= MAX_CONSECUTIVE_FAILURES) {
          status.state = 'failed';
          this.giveUp(consumer.name);
          return;
        }
        status.state = 'restarting';
        await sleep(Math.min(100 * 2 ** failures, MAX_BACKOFF_MS));
      }
    }
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number, consumer: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${consumer} stalled: batch not done in ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
