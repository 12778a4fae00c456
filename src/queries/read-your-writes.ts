import { Inject, Injectable } from '@nestjs/common';
import { PROJECTIONS } from '../../projections';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/app-config.token';
import { RELAY_NAME } from '../relay/relay-name';
import type { Checkpoint } from '../subscriptions/checkpoint-store';
import { CheckpointStore } from '../subscriptions/checkpoint-store';
import { ConsistencyTimeoutError } from './query.errors';

export interface ReadModelFeed {
  /** Consumers whose progress queries depend on. */
  consumers: readonly string[];
  /**
   * Set when events reach them through a partitioned transport: the name under which the relay
   * records what it has published. Positions then arrive out of order across partitions, so
   * progress is judged by partition offsets instead.
   */
  relay?: string;
}

/** What one read of the checkpoints showed, by consumer name. */
type Progress = ReadonlyMap<string, Checkpoint>;

interface Waiter {
  reached(progress: Progress): boolean;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * `consistentWith`: a query waits until the read models it reads have applied a position the client got
 * from a command. All waiting queries of the process share one reader of the checkpoints: it reads
 * them at once when a query starts waiting and no read is under way, or when a save in this
 * process lands, and every `consistencyPollMs` while anyone waits (how saves by other processes
 * are noticed), so the checkpoints are read at most once at a time however many queries wait.
 */
@Injectable()
export class ReadYourWrites {
  private readonly feed: ReadModelFeed;
  private readonly pollMs: number;
  private readonly waiters = new Set<Waiter>();
  private reading = false;
  /** Set when something may have changed since the read in flight began. */
  private readAgain = false;
  private wakeReader: (() => void) | undefined;

  constructor(
    private readonly checkpoints: CheckpointStore,
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'transport' | 'consistencyPollMs'>,
  ) {
    this.feed = {
      consumers: PROJECTIONS.map((projection) => projection.name),
      ...(config.transport.kind === 'kafka' ? { relay: RELAY_NAME } : {}),
    };
    this.pollMs = config.consistencyPollMs;
    this.checkpoints.onSaved(() => this.wake());
  }

  /**
   * Waits until `readModels` (by projection name; every read model when not given) have applied
   * `position`. A query names the read models it reads, so it does not wait for the others.
   */
  waitFor(
    position: number,
    timeoutMs: number,
    readModels: readonly string[] = this.feed.consumers,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const reached = this.feed.relay
        ? this.partitionsReached(position, readModels)
        : this.positionReached(position, readModels);
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new ConsistencyTimeoutError(position, timeoutMs));
      }, timeoutMs);
      const settle = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter: Waiter = {
        reached,
        resolve: () => (settle(), resolve()),
        reject: (error) => (settle(), reject(error)),
      };
      this.waiters.add(waiter);
      // A reader already at work takes the new waiter along on its next read. Waking it for each
      // arrival would read back to back under a steady load, and the saves that matter wake it
      // anyway (this process's) or are found by the poll (other processes').
      if (!this.reading) void this.readWhileWaiting();
    });
  }

  private positionReached(position: number, readModels: readonly string[]) {
    return (progress: Progress): boolean =>
      readModels.every((name) => (progress.get(name)?.position ?? 0) >= position);
  }

  /**
   * Once the relay has published the position, the topic's ends at that moment cover it: every
   * consumer must have handled each partition up to there. Later events may raise the ends, but
   * the target stays fixed, so a steady stream of new commands cannot starve the wait.
   */
  private partitionsReached(position: number, readModels: readonly string[]) {
    let targets: [string, number][] | undefined;
    return (progress: Progress): boolean => {
      if (!targets) {
        const published = progress.get(this.feed.relay!);
        if (!published || published.position < position) return false;
        targets = Object.entries(published.partitionEnds ?? {});
      }
      const ends = targets;
      return readModels.every((name) => {
        const offsets = progress.get(name)?.offsets ?? {};
        return ends.every(([partition, end]) => (offsets[partition] ?? -1) + 1 >= end);
      });
    };
  }

  private wake(): void {
    if (this.waiters.size === 0) return;
    this.readAgain = true;
    if (this.wakeReader) this.wakeReader();
    else if (!this.reading) void this.readWhileWaiting();
  }

  /** Never rejects: a failed read fails the queries waiting on it. */
  private async readWhileWaiting(): Promise<void> {
    this.reading = true;
    try {
      await this.readUntilNoneWait();
    } finally {
      // In the same turn as the last look at the waiters: a later one starts a new reader.
      this.reading = false;
    }
  }

  private async readUntilNoneWait(): Promise<void> {
    while (this.waiters.size > 0) {
      this.readAgain = false;
      const names = this.feed.relay
        ? [this.feed.relay, ...this.feed.consumers]
        : this.feed.consumers;
      let progress: Progress;
      try {
        const found = await this.checkpoints.getMany(names);
        progress = new Map(found.map((checkpoint) => [checkpoint._id, checkpoint]));
      } catch (error) {
        // The store cannot tell: the waiting queries fail as a read of it would.
        for (const waiter of [...this.waiters]) waiter.reject(error);
        return;
      }
      for (const waiter of [...this.waiters]) if (waiter.reached(progress)) waiter.resolve();
      if (this.waiters.size > 0 && !this.readAgain) await this.pause();
    }
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wakeReader?.(), this.pollMs);
      this.wakeReader = () => {
        clearTimeout(timer);
        this.wakeReader = undefined;
        resolve();
      };
    });
  }
}
