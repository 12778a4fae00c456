import {
  START,
  StreamDeletedError as EsdbStreamDeletedError,
  StreamNotFoundError,
  UnknownError,
  WrongExpectedVersionError,
  type AppendResult as EsdbAppendResult,
  type AppendToStreamOptions,
  type JSONEventData,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
} from '@eventstore/db-client';
import { PassThrough } from 'node:stream';
import { randomUUID } from 'node:crypto';
import type { NewEvent } from '../event-envelope';
import {
  EventStoreUnavailableError,
  InvalidPositionError,
  StreamDeletedError,
  WrongExpectedRevisionError,
} from '../event-store.errors';
import type { EventStoreDbClient } from './eventstoredb-connection';
import { EventStoreDbEventStore } from './eventstoredb-event-store';
import { RESEND_LOOK_BACK } from './eventstoredb-stream-tails';

/**
 * The adapter against a fake of the client's methods that answers as EventStoreDB does, by the
 * server's source (KurrentDB v24.10) and the client's (6.2.1), with the client's own error classes
 * and result shapes. Each describe names the issue 12 item it covers.
 */

/** long.MaxValue, the soft-delete $tb, as JSON.parse reads it. */
const MAX_LONG = 2 ** 63;

interface StoredStream {
  events: RecordedEvent[];
  /** $tb from the stream's metadata: events before it are hidden. */
  truncateBefore?: number;
  tombstoned?: boolean;
}

type Call = { method: string; streamName?: string; options: Record<string, unknown> };

function serviceError(code: number, details: string) {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: undefined });
}

class FakeClient {
  readonly streams = new Map<string, StoredStream>();
  readonly calls: Call[] = [];
  /** As with throwOnAppendFailure=false: refusals are results, with client 6.2.1's revision. */
  throwOnAppendFailure = true;
  /** Runs before each append reaches the "server": other writers, failures. */
  beforeAppend: () => void = () => undefined;
  private nextPosition = 4096;

  write(streamName: string, events: Partial<RecordedEvent>[]): RecordedEvent[] {
    const stream = this.streamOf(streamName);
    const written = events.map((event) => {
      const position = (this.nextPosition += 173);
      const recorded = {
        streamId: streamName,
        id: randomUUID(),
        revision: BigInt(stream.events.length),
        type: 'Foreign',
        data: {},
        metadata: undefined,
        isJson: true,
        created: new Date(),
        position: { commit: BigInt(position), prepare: BigInt(position) },
        ...event,
      } as RecordedEvent;
      stream.events.push(recorded);
      return recorded;
    });
    return written;
  }

  async appendToStream(
    streamName: string,
    events: JSONEventData | JSONEventData[],
    options: AppendToStreamOptions = {},
  ): Promise<EsdbAppendResult> {
    this.calls.push({ method: 'appendToStream', streamName, options: { ...options } });
    this.beforeAppend();
    const proposed = Array.isArray(events) ? events : [events];
    const stream = this.streams.get(streamName);
    if (stream?.tombstoned) throw EsdbStreamDeletedError.fromStreamName(streamName);
    const current = stream ? stream.events.length - 1 : -1;
    const { expectedRevision = 'any' } = options;
    const expected = expectedRevision === 'no_stream' ? -1 : Number(expectedRevision);
    const softDeleted = stream?.truncateBefore === MAX_LONG;

    // IndexWriter.CheckCommit: ids are compared only when the expected revision is behind.
    if (expected < current && !(expected === -1 && softDeleted)) {
      const stored = stream!.events;
      const matches = proposed.every((event, i) => stored[expected + 1 + i]?.id === event.id);
      if (matches) {
        const last = stored[expected + proposed.length];
        return {
          success: true,
          nextExpectedRevision: last.revision,
          position: last.position,
        };
      }
      return this.refuse(streamName, expected, current);
    }
    if (expected > current) return this.refuse(streamName, expected, current);
    if (softDeleted) stream!.truncateBefore = current + 1;
    const written = this.write(
      streamName,
      proposed.map((event) => ({
        id: event.id,
        type: event.type,
        data: JSON.parse(JSON.stringify(event.data)),
        metadata: JSON.parse(Buffer.from(event.metadata as Uint8Array).toString('utf8')),
      })),
    );
    const last = written[written.length - 1];
    return { success: true, nextExpectedRevision: last.revision, position: last.position };
  }

  readStream(streamName: string, options: ReadStreamOptions = {}) {
    this.calls.push({ method: 'readStream', streamName, options: { ...options } });
    const stream = this.streams.get(streamName);
    const visible = (stream?.events ?? []).filter(
      (event) => event.revision >= BigInt(stream?.truncateBefore ?? 0),
    );
    if (stream?.tombstoned) return this.failing(EsdbStreamDeletedError.fromStreamName(streamName));
    if (visible.length === 0) return this.failing(new StreamNotFoundError(undefined, streamName));
    const backwards = options.direction === 'backwards';
    const ordered = backwards ? [...visible].reverse() : visible;
    const from = options.fromRevision;
    const started =
      typeof from === 'bigint'
        ? ordered.filter((event) => (backwards ? event.revision <= from : event.revision >= from))
        : ordered;
    return this.reading(
      started.slice(0, Number(options.maxCount ?? Infinity)).map((event) => ({ event })),
    );
  }

  readAll(options: ReadAllOptions = {}) {
    this.calls.push({ method: 'readAll', options: { ...options } });
    const all = [...this.streams.values()]
      .flatMap((stream) => stream.events)
      .sort((a, b) => Number(a.position!.prepare - b.position!.prepare));
    const from = options.fromPosition ?? START;
    if (options.direction === 'backwards') {
      const before =
        typeof from === 'object' ? all.filter((e) => e.position!.prepare < from.prepare) : all;
      const page = before.reverse().slice(0, Number(options.maxCount ?? Infinity));
      return this.reading(page.map((event) => ({ event })));
    }
    let start = 0;
    if (typeof from === 'object') {
      start = all.findIndex((event) => event.position!.prepare >= from.prepare);
      if (start === -1) start = all.length;
      // Only record boundaries are positions a read may start at (StorageReaderWorker).
      const boundary = all.some((event) => event.position!.prepare === from.prepare);
      if (!boundary || from.commit !== from.prepare) {
        return this.failing(
          new UnknownError(serviceError(3, 'Trying to read from an invalid position.') as never),
        );
      }
    }
    const page = all.slice(start, start + Number(options.maxCount ?? Infinity));
    return this.reading(page.map((event) => ({ event })));
  }

  async getStreamMetadata(streamName: string) {
    this.calls.push({ method: 'getStreamMetadata', streamName, options: {} });
    const truncateBefore = this.streams.get(streamName)?.truncateBefore;
    return {
      streamName,
      metadata: truncateBefore === undefined ? undefined : { truncateBefore },
    };
  }

  /** The client's subscription: an object-mode stream that confirms, then sends the log. */
  subscribeToAll(options: { fromPosition?: unknown } = {}) {
    this.calls.push({ method: 'subscribeToAll', options: { ...options } });
    const all = [...this.streams.values()]
      .flatMap((stream) => stream.events)
      .sort((a, b) => Number(a.position!.prepare - b.position!.prepare));
    const subscription = Object.assign(new PassThrough({ objectMode: true }), {
      unsubscribe: async () => void subscription.end(),
    });
    setImmediate(() => {
      subscription.emit('confirmation');
      all.forEach((event) => subscription.write({ event }));
    });
    return subscription as never;
  }

  async dispose(): Promise<void> {}

  streamOf(streamName: string): StoredStream {
    let stream = this.streams.get(streamName);
    if (!stream) this.streams.set(streamName, (stream = { events: [] }));
    return stream;
  }

  reads(): Call[] {
    return this.calls.filter((call) => call.method === 'readStream');
  }

  private refuse(streamName: string, expected: number, current: number): EsdbAppendResult {
    if (!this.throwOnAppendFailure) {
      // batchAppend.ts: BigInt(wrongExpectedVersion.hasCurrentStreamRevision())
      return { success: false, nextExpectedRevision: BigInt(1), position: undefined };
    }
    throw new WrongExpectedVersionError(undefined, {
      streamName,
      expected: expected === -1 ? 'no_stream' : BigInt(expected),
      current: current === -1 ? 'no_stream' : BigInt(current),
    });
  }

  private reading<T>(items: T[]): never {
    const read = Object.assign(new PassThrough({ objectMode: true }), {
      cancel: async () => undefined,
    });
    setImmediate(() => {
      items.forEach((item) => read.write(item));
      read.end();
    });
    return read as never;
  }

  private failing(error: Error): never {
    const read = Object.assign(new PassThrough({ objectMode: true }), {
      cancel: async () => undefined,
    });
    setImmediate(() => read.destroy(error));
    return read as never;
  }
}

function newEvent(): NewEvent {
  return {
    eventId: randomUUID(),
    type: 'Tested',
    schemaVersion: 1,
    data: { n: 1 },
    metadata: {
      actor: { subject: 'test', roles: [] },
      correlationId: randomUUID(),
      causationId: randomUUID(),
      commandId: randomUUID(),
    },
  };
}

const newEvents = (count: number) => Array.from({ length: count }, newEvent);

function openStore(client: FakeClient, counter?: { inc: jest.Mock }) {
  return new EventStoreDbEventStore({
    connectionString: 'esdb://127.0.0.1:1?tls=false',
    operationTimeoutMs: 1000,
    client: client as unknown as EventStoreDbClient,
    skippedEvents: counter,
  });
}

describe('EventStoreDB adapter, as the server behaves', () => {
  let client: FakeClient;
  let store: EventStoreDbEventStore;

  beforeEach(() => {
    client = new FakeClient();
    store = openStore(client);
  });
  afterEach(() => store.close());

  describe('1: reads of $all start at 0 or at positions the store handed out', () => {
    it('reads after handed-out positions and refuses others with InvalidPositionError', async () => {
      const first = await store.append('s-1', newEvents(2), 'no-stream');
      const [a, b] = await store.readAll();

      expect(b.position).toBe(first.position);
      await expect(store.readAll({ after: a.position })).resolves.toStrictEqual([b]);
      await expect(store.readAll({ after: await store.headPosition() })).resolves.toEqual([]);
      const refused = await store.readAll({ after: a.position - 1 }).catch((e) => e);
      expect(refused).toBeInstanceOf(InvalidPositionError);
      expect(refused).toMatchObject({ position: a.position - 1 });
    });
  });

  describe('2: a node that is not ready, too busy or between leaders', () => {
    it.each([
      // BatchAppend's Status with details the client does not know.
      ['not ready', new UnknownError(undefined, 'Could not recognize Server Is Not Ready')],
      ['too busy', new UnknownError(undefined, 'Could not recognize Server Is Busy')],
      // Append's RpcException(StatusCode.Unknown), converted by convertToCommandError.
      [
        'no leader',
        new UnknownError(serviceError(2, 'No leader info available in response') as never),
      ],
    ])('reports an append answered "%s" as unavailable (503)', async (_name, error) => {
      client.beforeAppend = () => {
        throw error;
      };

      const failure = await store.append('s-2', newEvents(1), 'no-stream').catch((e) => e);

      expect(failure).toBeInstanceOf(EventStoreUnavailableError);
      expect(failure.cause).toBe(error);
    });
  });

  describe('3 and 10: appends do not depend on the cached features call or the clock', () => {
    it('sends credentials with every append, so the client uses Append, not BatchAppend', async () => {
      await store.append('s-3', newEvents(1), 'no-stream');
      await store.append('s-3', newEvents(1), 0);
      await store.append('s-3', newEvents(1), 'any');

      const appends = client.calls.filter((call) => call.method === 'appendToStream');
      expect(appends).toHaveLength(3);
      for (const { options } of appends) expect(options.credentials).toBeDefined();
    });

    it('refuses at start-up a secure connection string without a user', () => {
      expect(
        () =>
          new EventStoreDbEventStore({
            connectionString: 'esdb://host:2113',
            client: client as unknown as EventStoreDbClient,
          }),
      ).toThrow(/^EVENTSTORE_URL uses TLS but names no user: .*\$admins/);
    });
  });

  describe('4: one round trip per append', () => {
    it('takes the position from the append answer and reads nothing after', async () => {
      await store.append('s-4', newEvents(1), 'no-stream');
      await store.readStream('s-4');
      const before = client.calls.length;

      const result = await store.append('s-4', newEvents(3), 0);

      expect(client.calls.slice(before).map((call) => call.method)).toEqual(['appendToStream']);
      const stored = client.streams.get('s-4')!.events;
      expect(result).toEqual({ revision: 3, position: Number(stored[3].position!.prepare) });
    });
  });

  describe('5: deleted streams', () => {
    it('refuses reads and appends of a tombstoned stream with StreamDeletedError', async () => {
      await store.append('s-5', newEvents(1), 'no-stream');
      client.streams.get('s-5')!.tombstoned = true;

      await expect(store.readStream('s-5')).rejects.toThrow(StreamDeletedError);
      await expect(store.append('s-5', newEvents(1), 0)).rejects.toThrow(StreamDeletedError);
      await expect(store.append('s-5', newEvents(1), 'no-stream')).rejects.toThrow(
        StreamDeletedError,
      );
    });

    it('reads a soft-deleted stream as deleted, not as empty', async () => {
      await store.append('s-5b', newEvents(2), 'no-stream');
      client.streams.get('s-5b')!.truncateBefore = MAX_LONG;
      const fresh = openStore(client);

      await expect(fresh.readStream('s-5b')).rejects.toThrow(StreamDeletedError);
      await expect(fresh.append('s-5b', newEvents(1), 1)).rejects.toThrow(StreamDeletedError);
      await expect(fresh.readStream('never-written')).resolves.toEqual([]);
      await fresh.close();
    });

    it("reports a 'no-stream' append the server put after a soft-deleted stream's events", async () => {
      await store.append('s-5c', newEvents(2), 'no-stream');
      client.streams.get('s-5c')!.truncateBefore = MAX_LONG;

      await expect(store.append('s-5c', newEvents(1), 'no-stream')).rejects.toThrow(
        StreamDeletedError,
      );
    });

    it('refuses a stream whose history was cut short rather than read part of it', async () => {
      await store.append('s-5d', newEvents(3), 'no-stream');
      client.streams.get('s-5d')!.truncateBefore = 2;

      await expect(store.readStream('s-5d')).rejects.toThrow(/events before revision 2 are gone/);
    });
  });

  describe('6: events in $all that Ledgerline did not write', () => {
    it('skips them, counts them and reads on', async () => {
      const counter = { inc: jest.fn() };
      const counted = openStore(client, counter);
      await counted.append('s-6', newEvents(1), 'no-stream');
      client.write('added-in-the-admin-ui', [{ type: 'Note', metadata: { by: 'admin' } }]);
      client.write('other-app', [{ isJson: false, data: new Uint8Array([1]) }]);
      await counted.append('s-6', newEvents(1), 0);

      const log = await counted.readAll();

      expect(log.map((event) => [event.streamId, event.revision])).toEqual([
        ['s-6', 0],
        ['s-6', 1],
      ]);
      expect(counter.inc.mock.calls).toEqual([
        [{ reason: 'no-ledgerline-metadata' }],
        [{ reason: 'not-json' }],
      ]);
      await counted.close();
    });
  });

  it('6: a subscription to $all skips them too, rather than end on them', async () => {
    const counter = { inc: jest.fn() };
    const counted = openStore(client, counter);
    await counted.append('s-6b', newEvents(1), 'no-stream');
    client.write('added-in-the-admin-ui', [{ type: 'Note', metadata: { by: 'admin' } }]);
    await counted.append('s-6b', newEvents(1), 0);
    const received: number[] = [];

    const subscription = counted.subscribeToAll({ after: 0 }, async (batch) => {
      received.push(...batch.map((event) => event.revision));
    });
    const deadline = Date.now() + 2000;
    while (received.length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await subscription.stop();

    expect(received).toEqual([0, 1]);
    expect(counter.inc).toHaveBeenCalledWith({ reason: 'no-ledgerline-metadata' });
    await expect(subscription.done).resolves.toBeUndefined();
    await counted.close();
  });

  describe('7: conflicts and any-appends read a bounded page, never the whole stream', () => {
    it('answers a conflict on a long stream from its last events', async () => {
      await store.append('s-7', newEvents(300), 'no-stream');
      const fresh = openStore(client);

      await expect(fresh.append('s-7', newEvents(1), 0)).rejects.toMatchObject({
        actual: 299,
      });
      await expect(fresh.append('s-7', newEvents(1), 298)).rejects.toMatchObject({
        actual: 299,
      });
      await expect(fresh.append('s-7', newEvents(1), 'any')).resolves.toMatchObject({
        revision: 300,
      });
      for (const read of client.reads()) {
        expect(read.options.maxCount).toBeLessThanOrEqual(RESEND_LOOK_BACK + 1);
      }
      await fresh.close();
    });

    it("gives up on an 'any' append after a bounded number of rounds with pauses", async () => {
      await store.append('s-7b', newEvents(1), 'no-stream');
      const [ours] = client.streams.get('s-7b')!.events;
      // Another writer gets in before every attempt.
      client.beforeAppend = () => void client.write('s-7b', [{ metadata: ours.metadata }]);
      const started = Date.now();

      const failure = await store.append('s-7b', newEvents(1), 'any').catch((e) => e);

      expect(failure).toBeInstanceOf(WrongExpectedRevisionError);
      expect(client.calls.filter((call) => call.method === 'appendToStream')).toHaveLength(9);
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    });
  });

  describe('8: a re-send at the current revision', () => {
    it('is answered with the original result, not written again', async () => {
      const [a, b] = newEvents(2);
      const first = await store.append('s-8', [a], 'no-stream');
      await store.append('s-8', [b], 0);

      // Another process, which knows nothing of the stream, and this one.
      const other = openStore(client);
      await expect(other.append('s-8', [a], 1)).resolves.toEqual(first);
      await expect(store.append('s-8', [a], 1)).resolves.toEqual(first);
      await other.close();

      expect(client.streams.get('s-8')!.events).toHaveLength(2);
    });
  });

  describe('10: recordedAt', () => {
    it('never goes backwards within a stream when another host clock is ahead', async () => {
      await store.append('s-10', newEvents(1), 'no-stream');
      const [stored] = client.streams.get('s-10')!.events;
      const ahead = new Date(Date.now() + 3_600_000).toISOString();
      (stored.metadata as { recordedAt: string }).recordedAt = ahead;
      const other = openStore(client);

      await other.append('s-10', newEvents(1), 0);
      const [, second] = await other.readStream('s-10');

      expect(Date.parse(second.recordedAt)).toBeGreaterThanOrEqual(Date.parse(ahead));
      await other.close();
    });
  });

  describe('11: throwOnAppendFailure=false', () => {
    it("reports the stream's actual revision, not the client's 1", async () => {
      await store.append('s-11', newEvents(6), 'no-stream');
      const [ours] = client.streams.get('s-11')!.events;
      client.throwOnAppendFailure = false;

      await expect(store.append('s-11', newEvents(1), 2)).rejects.toMatchObject({ actual: 5 });
      // Another writer gets in before every attempt, until the 'any' append gives up.
      client.beforeAppend = () => void client.write('s-11', [{ metadata: ours.metadata }]);
      const failure = await store.append('s-11', newEvents(1), 'any').catch((e) => e);

      expect(failure).toBeInstanceOf(WrongExpectedRevisionError);
      expect(failure.actual).toBe(client.streams.get('s-11')!.events.length - 1);
      expect(failure.actual).toBeGreaterThan(5);
    });
  });
});
