import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  EVENT_PUBLISHER,
  type EventPublisher,
  type PartitionEnds,
} from '../event-feed/event-publisher.port';
import { EVENT_STORE, type EventStore, type Subscription } from '../event-store/event-store.port';
import { READ_STORE, type ReadStore } from '../read-store/read-store.port';
import { CheckpointStore } from '../subscriptions/checkpoint-store';
import { RELAY_NAME } from './relay-name';
import { RelayLease } from './relay-lease';

const LEASE_TTL_MS = 5000;
const BATCH_SIZE = 500;

/**
 * Copies the event store's global log to the fan-out transport, in order. Its checkpoint moves only
 * past events the broker acknowledged, so a crash re-sends (at least once), never skips. A lease
 * keeps a second relay waiting until the first stops renewing it.
 */
@Injectable()
export class EventRelay {
  private readonly logger = new Logger(EventRelay.name);
  private readonly lease: RelayLease;
  private running: Promise<void> | undefined;
  private stopped = false;
  private subscription: Subscription | undefined;
  private wake: (() => void) | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(EVENT_PUBLISHER) private readonly publisher: EventPublisher,
    @Inject(READ_STORE) readStore: ReadStore,
    private readonly checkpoints: CheckpointStore,
  ) {
    this.lease = new RelayLease(
      readStore,
      RELAY_NAME,
      `${hostname()}:${process.pid}:${randomUUID()}`,
      LEASE_TTL_MS,
    );
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.subscription?.stop();
    await this.running;
    await this.lease.release().catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (await this.lease.tryAcquire()) {
          await this.relayWhileLeased();
        } else {
          await this.pause(LEASE_TTL_MS / 3);
        }
      } catch (error) {
        this.logger.error(`relay failed, retrying: ${(error as Error).message}`);
        await this.pause(1000);
      }
    }
  }

  /** Publishes until the lease cannot be renewed, the relay stops, or a send fails. */
  private async relayWhileLeased(): Promise<void> {
    const checkpoint = await this.checkpoints.getFull(RELAY_NAME);
    const after = checkpoint.position;
    // Everything up to the checkpoint sits below its ends; each publish raises the partitions it
    // wrote to, so together they cover every event published so far without asking the broker.
    const ends: PartitionEnds = { ...checkpoint.partitionEnds };
    this.logger.log(`holding the relay lease; publishing after position ${after}`);
    const subscription = this.store.subscribeToAll(
      { after, batchSize: BATCH_SIZE },
      async (events) => {
        Object.assign(ends, await this.publisher.publish(events));
        await this.checkpoints.savePublished(RELAY_NAME, events[events.length - 1].position, {
          ...ends,
        });
      },
    );
    this.subscription = subscription;
    const renewing = this.renewUntil(subscription);
    try {
      await subscription.done;
    } finally {
      await subscription.stop();
      await renewing;
    }
  }

  private async renewUntil(subscription: Subscription): Promise<void> {
    let finished = false;
    void subscription.done.finally(() => (finished = true)).catch(() => undefined);
    while (!finished && !this.stopped) {
      await this.pause(LEASE_TTL_MS / 3);
      if (finished || this.stopped) return;
      const renewed = await this.lease.tryAcquire().catch(() => false);
      if (!renewed) {
        this.logger.error('lost the relay lease; stopping until it can be taken again');
        await subscription.stop();
        return;
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      void sleep(ms).then(resolve);
    });
  }
}
