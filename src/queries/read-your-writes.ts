import { Inject, Injectable } from '@nestjs/common';
import { PROJECTIONS } from '../../projections';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/app-config.token';
import { RELAY_NAME } from '../relay/relay-name';
import { CheckpointStore } from '../subscriptions/checkpoint-store';
import { ConsistencyTimeoutError } from './query.errors';

/** How often checkpoints written by other processes are re-read while waiting. */
const POLL_INTERVAL_MS = 50;

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

/**
 * `consistentWith`: a query waits until every read model has applied a position the client got
 * from a command. Saves in this process wake it at once; other processes' saves are polled.
 */
@Injectable()
export class ReadYourWrites {
  private readonly feed: ReadModelFeed;

  constructor(
    private readonly checkpoints: CheckpointStore,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.feed = {
      consumers: PROJECTIONS.map((projection) => projection.name),
      ...(config.transport.kind === 'kafka' ? { relay: RELAY_NAME } : {}),
    };
  }

  async waitFor(position: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const reached = this.feed.relay ? this.partitionsReached(position) : this.positionReached;
    while (!(await reached(position))) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new ConsistencyTimeoutError(position, timeoutMs);
      await this.nextSaveOrPoll(Math.min(remaining, POLL_INTERVAL_MS));
    }
  }

  private readonly positionReached = async (position: number): Promise<boolean> => {
    const checkpoints = await this.checkpoints.getMany(this.feed.consumers);
    return checkpoints.every((checkpoint) => checkpoint.position >= position);
  };

  /**
   * Once the relay has published the position, the topic's ends at that moment cover it: every
   * consumer must have handled each partition up to there. Later events may raise the ends, but
   * the target stays fixed, so a steady stream of new commands cannot starve the wait.
   */
  private partitionsReached(position: number) {
    let targets: Record<string, number> | undefined;
    return async (): Promise<boolean> => {
      if (!targets) {
        const published = await this.checkpoints.getFull(this.feed.relay!);
        if (published.position < position) return false;
        targets = published.partitionEnds ?? {};
      }
      const ends = Object.entries(targets);
      const checkpoints = await this.checkpoints.getMany(this.feed.consumers);
      return checkpoints.every(({ offsets = {} }) =>
        ends.every(([partition, end]) => (offsets[partition] ?? -1) + 1 >= end),
      );
    };
  }

  private nextSaveOrPoll(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const stop = this.checkpoints.onSaved(() => done());
      const timer = setTimeout(() => done(), ms);
      function done() {
        clearTimeout(timer);
        stop();
        resolve();
      }
    });
  }
}
