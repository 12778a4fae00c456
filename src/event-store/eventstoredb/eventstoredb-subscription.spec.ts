import {
  AccessDeniedError,
  TimeoutError,
  UnavailableError,
  type Position,
} from '@eventstore/db-client';
import { PassThrough } from 'node:stream';
import type { EventEnvelope } from '../event-envelope';
import { EventStoreUnavailableError } from '../event-store.errors';
import type { BatchHandler } from '../event-store.port';
import {
  EventStoreDbCatchUpSubscription,
  type CatchUpOptions,
  type SubscriptionSource,
} from './eventstoredb-subscription';

/** Stands in for the client's $all subscription: the tests push what the server would send. */
class FakeSource extends PassThrough implements SubscriptionSource {
  unsubscribed = false;
  pauses = 0;
  resumes = 0;

  constructor(
    readonly after: number | Position,
    private readonly checkpointReached: (position: Position) => void,
  ) {
    super({ objectMode: true });
  }

  /** What the client does with a checkpoint of the server's filter: calls the callback in order. */
  checkpoint(prepare: number): void {
    this.checkpointReached({ commit: BigInt(prepare), prepare: BigInt(prepare) });
  }

  confirm(): void {
    this.emit('confirmation');
  }

  send(...positions: number[]): void {
    for (const position of positions) this.write({ event: { position } });
  }

  override pause(): this {
    this.pauses++;
    return super.pause();
  }

  override resume(): this {
    this.resumes++;
    return super.resume();
  }

  async unsubscribe(): Promise<void> {
    this.unsubscribed = true;
  }
}

const OPTIONS: CatchUpOptions = {
  after: 0,
  batchSize: 3,
  confirmationTimeoutMs: 1000,
  resubscribe: { initialDelayMs: 5, maxDelayMs: 20, maxAttempts: 4 },
};

async function waitUntil(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function subscribe(handler: BatchHandler, options: Partial<CatchUpOptions> = {}) {
  const sources: FakeSource[] = [];
  const subscription = new EventStoreDbCatchUpSubscription(
    {
      open: (after, checkpointReached) => {
        const source = new FakeSource(after, checkpointReached);
        sources.push(source);
        return source;
      },
      // Test events carry their position only; odd positions play EventStoreDB's own events.
      convert: (resolved) => {
        const { position } = resolved.event as unknown as { position: number };
        return position % 2 === 1 ? undefined : ({ position } as EventEnvelope);
      },
      handler,
      toError: (error) => error,
    },
    { ...OPTIONS, ...options },
  );
  return { subscription, sources };
}

/** A handler's way to hold every batch until the test lets them through. */
function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** A subscription whose first source is confirmed, recording each batch (held until `until`). */
async function recordingSubscription(until?: Promise<void>) {
  const batches: EventEnvelope[][] = [];
  const { subscription, sources } = subscribe(async (batch) => {
    batches.push(batch);
    if (until) await until;
  });
  await waitUntil(() => sources.length === 1);
  sources[0].confirm();
  return { subscription, sources, batches };
}

const positions = (batches: EventEnvelope[][]) => batches.map((b) => b.map((e) => e.position));

describe('EventStoreDbCatchUpSubscription', () => {
  it('hands over batches of up to batchSize after the checkpoint, one at a time', async () => {
    const batches: EventEnvelope[][] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const { subscription, sources } = subscribe(
      async (batch) => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        batches.push(batch);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
      },
      { after: 4 },
    );
    await waitUntil(() => sources.length === 1);
    const [source] = sources;

    source.confirm();
    // 4 is the checkpoint itself (a subscription may repeat it); odd ones are skipped.
    source.send(4, 6, 7, 8, 10, 12, 14, 16);
    await waitUntil(() => batches.flat().length === 6);
    await subscription.stop();

    expect(source.after).toBe(4);
    expect(batches.flat().map((e) => e.position)).toEqual([6, 8, 10, 12, 14, 16]);
    expect(batches.every((batch) => batch.length >= 1 && batch.length <= 3)).toBe(true);
    expect(maxInFlight).toBe(1);
    expect(source.unsubscribed).toBe(true);
    await expect(subscription.done).resolves.toBeUndefined();
  });

  it('pauses the source while its buffer is full and resumes it once drained', async () => {
    const held = gate();
    const { subscription, sources, batches } = await recordingSubscription(held.opened);
    const [source] = sources;
    // Listening for data resumes a stream once; only later resumes are back-pressure.
    const resumesBefore = source.resumes;

    source.send(...Array.from({ length: 100 }, (_, n) => (n + 1) * 2));
    await waitUntil(() => source.pauses > 0);
    expect(source.resumes).toBe(resumesBefore);
    held.open();
    await waitUntil(() => batches.flat().length === 100);
    await subscription.stop();

    expect(source.resumes).toBeGreaterThan(resumesBefore);
    expect(batches.flat().map((e) => e.position)).toEqual(
      Array.from({ length: 100 }, (_, n) => (n + 1) * 2),
    );
  });

  it('resubscribes after the last handled event when the server drops it', async () => {
    const { subscription, sources, batches } = await recordingSubscription();
    sources[0].send(2, 4);
    await waitUntil(() => batches.flat().length === 2);

    sources[0].destroy(new UnavailableError());
    await waitUntil(() => sources.length === 2);
    sources[1].confirm();
    // A resumed subscription may repeat the checkpoint; it is not handed over twice.
    sources[1].send(4, 6);
    await waitUntil(() => batches.flat().length === 3);
    sources[1].end();
    await waitUntil(() => sources.length === 3);
    await subscription.stop();

    expect(sources.map((source) => source.after)).toEqual([0, 4, 6]);
    expect(positions(batches).flat()).toEqual([2, 4, 6]);
    await expect(subscription.done).resolves.toBeUndefined();
  });

  it('resumes from the server checkpoint after the last handled event, past skipped events', async () => {
    const { subscription, sources, batches } = await recordingSubscription();
    sources[0].send(2, 4);
    await waitUntil(() => batches.flat().length === 2);
    // The server's filter searched on to 90 past system events it did not send.
    sources[0].checkpoint(90);

    // EventStoreDB before 24.2 drops a paused live subscription: "Consumer too slow" (ABORTED).
    sources[0].destroy(new TimeoutError());
    await waitUntil(() => sources.length === 2);
    sources[1].confirm();
    sources[1].send(92);
    await waitUntil(() => batches.flat().length === 3);
    sources[1].send(94);
    await waitUntil(() => batches.flat().length === 4);
    sources[1].destroy(new TimeoutError());
    await waitUntil(() => sources.length === 3);
    await subscription.stop();

    expect(sources[1].after).toEqual({ commit: BigInt(90), prepare: BigInt(90) });
    // Events handled since the checkpoint are further on than it.
    expect(sources[2].after).toBe(94);
    expect(positions(batches).flat()).toEqual([2, 4, 92, 94]);
  });

  it('does not resume from a checkpoint reached while events were held back', async () => {
    const held = gate();
    const { subscription, sources, batches } = await recordingSubscription(held.opened);
    // Enough to fill the buffer: the source is paused and keeps the rest.
    sources[0].send(...Array.from({ length: 200 }, (_, n) => (n + 1) * 2));
    await waitUntil(() => sources[0].pauses > 0);
    sources[0].checkpoint(1000);
    sources[0].destroy(new UnavailableError());
    held.open();
    await waitUntil(() => sources.length === 2);
    await subscription.stop();

    expect(sources[1].after).toBe(batches.flat().at(-1)?.position);
  });

  it('gives up with EventStoreUnavailableError after maxAttempts failed attempts in a row', async () => {
    const { subscription, sources } = subscribe(async () => undefined, {
      confirmationTimeoutMs: 10,
    });

    // Nothing confirms: every attempt times out.
    await expect(subscription.done).rejects.toThrow(EventStoreUnavailableError);
    expect(sources).toHaveLength(4);
    expect(sources.every((source) => source.unsubscribed)).toBe(true);
  });

  it('rejects done with a fault that resubscribing would not fix', async () => {
    const denied = new AccessDeniedError();
    const { subscription, sources } = subscribe(async () => undefined);
    await waitUntil(() => sources.length === 1);

    sources[0].destroy(denied);

    await expect(subscription.done).rejects.toBe(denied);
    expect(sources).toHaveLength(1);
  });

  it('rejects done with the handler error and stops delivering', async () => {
    const failure = new Error('projection failed');
    let calls = 0;
    const { subscription, sources } = subscribe(async () => {
      calls++;
      throw failure;
    });
    await waitUntil(() => sources.length === 1);
    sources[0].confirm();
    sources[0].send(2);

    await expect(subscription.done).rejects.toBe(failure);
    sources[0].send(4);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).toBe(1);
    expect(sources[0].unsubscribed).toBe(true);
    await expect(subscription.stop()).resolves.toBeUndefined();
  });

  it('stop() resolves once the batch in flight is handled', async () => {
    const held = gate();
    let finished = 0;
    const { subscription, sources } = subscribe(async () => {
      await held.opened;
      finished++;
    });
    await waitUntil(() => sources.length === 1);
    sources[0].confirm();
    sources[0].send(2);
    await new Promise((resolve) => setTimeout(resolve, 10));

    let stopped = false;
    const stopping = subscription.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(stopped).toBe(false);
    held.open();
    await stopping;

    expect(finished).toBe(1);
  });

  it('ends on an event it cannot convert, or on positions out of order', async () => {
    const outOfOrder = subscribe(async () => undefined);
    await waitUntil(() => outOfOrder.sources.length === 1);
    outOfOrder.sources[0].confirm();
    outOfOrder.sources[0].send(8, 6);

    await expect(outOfOrder.subscription.done).rejects.toThrow(/out of \$all order/);
    expect(outOfOrder.sources).toHaveLength(1);
  });
});
