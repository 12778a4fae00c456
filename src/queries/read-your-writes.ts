import { Injectable } from '@nestjs/common';
import { CheckpointStore } from '../subscriptions/checkpoint-store';
import { ConsistencyTimeoutError } from './query.errors';

/** How often checkpoints written by other processes are re-read while waiting. */
const POLL_INTERVAL_MS = 50;

/**
 * `consistentWith`: a query waits until every read model has applied a position the client got
 * from a command. Saves in this process wake it at once; other processes' saves are polled.
 */
@Injectable()
export class ReadYourWrites {
  private readModelConsumers: readonly string[] = [];

  constructor(private readonly checkpoints: CheckpointStore) {}

  /** Set at start-up to the consumers whose progress queries depend on. */
  waitOn(consumers: readonly string[]): void {
    this.readModelConsumers = consumers;
  }

  async waitFor(position: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let reached = await this.lowestCheckpoint();
    while (reached < position) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new ConsistencyTimeoutError(position, reached, timeoutMs);
      await this.nextSaveOrPoll(Math.min(remaining, POLL_INTERVAL_MS));
      reached = await this.lowestCheckpoint();
    }
  }

  private async lowestCheckpoint(): Promise<number> {
    const positions = await this.checkpoints.getMany(this.readModelConsumers);
    return Math.min(...positions.values());
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
