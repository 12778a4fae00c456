import type { AllStreamResolvedEvent, Position } from '@eventstore/db-client';
import { PassThrough } from 'node:stream';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { EventEnvelope } from '../event-envelope';
import { EventStoreUnavailableError } from '../event-store.errors';
import type { BatchHandler, Subscription } from '../event-store.port';
import { isUnavailable } from './eventstoredb-errors';

/** The part of the client's $all subscription used here: an object-mode Readable. */
export interface SubscriptionSource {
  /** Events the client has taken in but not handed on yet (a paused Readable keeps them). */
  readonly readableLength: number;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
  pause(): unknown;
  resume(): unknown;
  unsubscribe(): Promise<void>;
}

export interface ResubscribeOptions {
  /** Pause after the first drop; it doubles with every further failed attempt in a row. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** Failed attempts in a row (a confirmed subscription resets the count) before `done` rejects. */
  maxAttempts: number;
}

export interface CatchUpOptions {
  /** Exclusive checkpoint: the position of the last event the subscriber has handled. */
  after: number;
  batchSize: number;
  /** How long the server may take to confirm a new subscription. */
  confirmationTimeoutMs: number;
  resubscribe: ResubscribeOptions;
}

export interface CatchUpDependencies {
  /**
   * Opens an EventStoreDB subscription to $all for the events strictly after a port position, or
   * from a checkpoint the server reported, calling `checkpointReached` with each checkpoint.
   */
  open: (
    from: number | Position,
    checkpointReached: (position: Position) => void,
  ) => SubscriptionSource;
  /** The envelope of a delivered event, or undefined for an event to skip (system, foreign). */
  convert: (resolved: AllStreamResolvedEvent) => EventEnvelope | undefined;
  handler: BatchHandler;
  /** The port's error for a failure the subscription cannot resume from (checkpoint `after`). */
  toError: (error: unknown, after: number) => unknown;
}

/**
 * A checkpoint the server reported (how far its filter has searched $all) and the last event
 * delivered before it: once that event is handled, a resubscription may start at the checkpoint
 * and skip the system events between, instead of searching through them again.
 */
interface ServerCheckpoint {
  position: Position;
  after: number;
}

/** The server ended a subscription without an error; it is resumed like any other drop. */
class SubscriptionEndedError extends EventStoreUnavailableError {
  constructor() {
    super('EventStoreDB ended the $all subscription');
  }
}

interface Failure {
  error: unknown;
  /** Resubscribing would meet the same error: an event that does not convert, a misordered log. */
  fatal: boolean;
}

/**
 * One EventStoreDB subscription: buffers what it delivers, pauses the client stream (and through
 * gRPC flow control, the server) while the buffer is full, and records how it ended.
 */
class Session {
  readonly buffer: EventEnvelope[] = [];
  failure: Failure | undefined;
  confirmed = false;
  checkpoint: ServerCheckpoint | undefined;
  private paused = false;
  private lastSeen: number;
  private readonly listeners: [string, (...args: unknown[]) => void][];

  constructor(
    private readonly source: SubscriptionSource,
    /** Events at or before this position are handled already (or precede the checkpoint). */
    private readonly start: number,
    private readonly convert: CatchUpDependencies['convert'],
    private readonly highWater: number,
    private readonly lowWater: number,
    private readonly notify: () => void,
  ) {
    this.lastSeen = start;
    const ended = () => this.fail(new SubscriptionEndedError());
    this.listeners = [
      ['confirmation', () => this.confirm()],
      ['data', (resolved) => this.accept(resolved as AllStreamResolvedEvent)],
      ['error', (error) => this.fail(error)],
      ['end', ended],
      ['close', ended],
    ];
    for (const [event, listener] of this.listeners) source.on(event, listener);
  }

  /**
   * Called by the client in stream order, but while events before it may still sit in the
   * client's paused buffer: only a checkpoint with nothing held back is known to follow every
   * event before it.
   */
  reachCheckpoint(position: Position): void {
    if (this.failure !== undefined || this.source.readableLength > 0) return;
    this.checkpoint = { position, after: this.lastSeen };
  }

  fail(error: unknown, fatal = false): void {
    if (this.failure !== undefined) return;
    this.failure = { error, fatal };
    this.notify();
  }

  take(max: number): EventEnvelope[] {
    const batch = this.buffer.splice(0, max);
    if (this.paused && this.buffer.length <= this.lowWater) {
      this.paused = false;
      this.source.resume();
    }
    return batch;
  }

  async close(): Promise<void> {
    // A late error from the closing stream must find a listener, or it would crash the process.
    this.source.on('error', () => undefined);
    for (const [event, listener] of this.listeners) this.source.removeListener(event, listener);
    await this.source.unsubscribe().catch(() => undefined);
  }

  private confirm(): void {
    this.confirmed = true;
    this.notify();
  }

  private accept(resolved: AllStreamResolvedEvent): void {
    if (this.failure !== undefined) return;
    this.confirmed = true;
    let envelope: EventEnvelope | undefined;
    try {
      envelope = this.convert(resolved);
    } catch (error) {
      this.fail(error, true);
      return;
    }
    // Skipped events, and the events a resumed subscription repeats.
    if (envelope === undefined || envelope.position <= this.start) return;
    if (envelope.position <= this.lastSeen) {
      const error = new Error(
        `$all delivered position ${envelope.position} after ${this.lastSeen}: prepare positions ` +
          'are out of $all order, which only events of explicit transactions cause',
      );
      this.fail(error, true);
      return;
    }
    this.lastSeen = envelope.position;
    this.buffer.push(envelope);
    if (!this.paused && this.buffer.length >= this.highWater) {
      this.paused = true;
      this.source.pause();
    }
    this.notify();
  }
}

/** Stands in for a subscription the client refused to open, so the refusal is one more drop. */
function refusedSource(): SubscriptionSource {
  return Object.assign(new PassThrough({ objectMode: true }), {
    unsubscribe: async () => undefined,
  });
}

/**
 * A catch-up subscription over $all on top of EventStoreDB's own: the server catches up and
 * turns live; this hands the events over in batches, one batch at a time, and resumes after the
 * last handled event, with back-off, when the server's subscription drops.
 */
export class EventStoreDbCatchUpSubscription implements Subscription {
  readonly done: Promise<void>;
  private stopped = false;
  private checkpoint: number;
  private serverCheckpoint: ServerCheckpoint | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly deps: CatchUpDependencies,
    private readonly options: CatchUpOptions,
  ) {
    this.checkpoint = options.after;
    this.done = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    // A handler or store failure is reported through `done`; stopping has still succeeded.
    await this.done.catch(() => undefined);
  }

  private wake(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }

  /** Resolves at the next wake() or after `timeoutMs`; callers check their condition first. */
  private signal(timeoutMs?: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => this.wake(), timeoutMs);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    // Hand the subscription to the caller before the handler sees the first batch.
    await Promise.resolve();
    const { resubscribe } = this.options;
    let failures = 0;
    try {
      while (!this.stopped) {
        const session = this.openSession();
        try {
          await this.deliver(session);
        } finally {
          await session.close();
        }
        if (this.stopped) return;
        if (session.checkpoint !== undefined) this.serverCheckpoint = session.checkpoint;

        // EventStoreDB before 24.2 drops a live subscription whose reader is paused for more than
        // 32 events ("Consumer too slow", gRPC ABORTED, which the client reports as a timeout):
        // pausing keeps this process's memory bounded, so that drop is expected and resumed here
        // like any other, from the last handled event or the server's last checkpoint after it.
        const { error, fatal } = session.failure!;
        if (fatal || !isUnavailable(error)) throw this.deps.toError(error, this.checkpoint);
        failures = session.confirmed ? 1 : failures + 1;
        if (failures >= resubscribe.maxAttempts) {
          throw new EventStoreUnavailableError(
            `subscription to $all: EventStoreDB did not take it back in ${failures} attempts`,
            { cause: error },
          );
        }
        await this.signal(
          Math.min(resubscribe.initialDelayMs * 2 ** (failures - 1), resubscribe.maxDelayMs),
        );
      }
    } finally {
      this.stopped = true;
    }
  }

  private openSession(): Session {
    const { batchSize } = this.options;
    let source: SubscriptionSource;
    let refusal: unknown;
    const resume = this.serverCheckpoint;
    const from =
      resume !== undefined && resume.after === this.checkpoint ? resume.position : this.checkpoint;
    try {
      source = this.deps.open(from, (position) => session.reachCheckpoint(position));
    } catch (error) {
      source = refusedSource();
      refusal = error;
    }
    const session: Session = new Session(
      source,
      this.checkpoint,
      this.deps.convert,
      Math.max(batchSize * 2, 64),
      batchSize,
      () => this.wake(),
    );
    if (refusal !== undefined) session.fail(refusal);
    return session;
  }

  /** Hands batches to the handler until the session fails or the subscription stops. */
  private async deliver(session: Session): Promise<void> {
    const { batchSize, confirmationTimeoutMs } = this.options;
    const confirmation = setTimeout(() => {
      if (session.confirmed) return;
      session.fail(
        new EventStoreUnavailableError(
          `subscription to $all: not confirmed by EventStoreDB within ${confirmationTimeoutMs} ms`,
        ),
      );
    }, confirmationTimeoutMs);
    try {
      while (!this.stopped && session.failure === undefined) {
        if (session.buffer.length === 0) {
          await this.signal();
          continue;
        }
        // Let events that have already arrived join the batch rather than go one by one.
        if (session.buffer.length < batchSize) await yieldToEventLoop();
        if (this.stopped) return;
        const batch = session.take(batchSize);
        await this.deps.handler(batch);
        this.checkpoint = batch[batch.length - 1].position;
      }
    } finally {
      clearTimeout(confirmation);
    }
  }
}
