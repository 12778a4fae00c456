import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { EventEnvelope } from '../event-envelope';
import type { BatchHandler, Subscription } from '../event-store.port';

/**
 * Reads the log page by page after a checkpoint. Once caught up it sleeps until `wake` is called:
 * by its store when an append of its own commits, or when the store sees another connection's
 * commit (see SqliteEventStore's change watch).
 */
export class CatchUpSubscription implements Subscription {
  readonly done: Promise<void>;
  private stopped = false;
  private wakeSleeper: (() => void) | undefined;

  constructor(
    private readonly readPage: (after: number) => EventEnvelope[],
    private readonly handler: BatchHandler,
    after: number,
  ) {
    this.done = this.run(after);
  }

  get sleeping(): boolean {
    return this.wakeSleeper !== undefined;
  }

  wake(): void {
    this.wakeSleeper?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    // A handler failure is reported through `done`; stopping has still succeeded.
    await this.done.catch(() => undefined);
  }

  private async run(after: number): Promise<void> {
    // Hand the subscription to the caller before the handler sees the first batch.
    await Promise.resolve();
    let checkpoint = after;
    while (!this.stopped) {
      const batch = this.readPage(checkpoint);
      if (batch.length === 0) {
        // Safe to sleep now: wakes come from the event loop, and none could run since the read.
        await this.sleep();
        continue;
      }
      await this.handler(batch);
      checkpoint = batch[batch.length - 1].position;
      // Reads are synchronous and a handler may resolve at once, so without this a long catch-up
      // would hold the event loop (HTTP requests, timers) until it reached the head.
      await yieldToEventLoop();
    }
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      this.wakeSleeper = () => {
        this.wakeSleeper = undefined;
        resolve();
      };
    });
  }
}
