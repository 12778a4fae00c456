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
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { EventStoreDbClient } from '../../src/event-store/eventstoredb/eventstoredb-connection';

/**
 * A fake of the EventStoreDB client's methods that answers as EventStoreDB does, by the server's
 * source (KurrentDB v24.10) and the client's (6.2.1), with the client's own error classes and
 * result shapes: the adapter's tests sit at the client boundary with it.
 */

/** long.MaxValue, the soft-delete $tb, as JSON.parse reads it. */
export const MAX_LONG = 2 ** 63;

interface StoredStream {
  events: RecordedEvent[];
  /** $tb from the stream's metadata: events before it are hidden. */
  truncateBefore?: number;
  tombstoned?: boolean;
}

export type Call = { method: string; streamName?: string; options: Record<string, unknown> };

export function serviceError(code: number, details: string) {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: undefined });
}

export class FakeClient {
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

/** The fake as the adapter's `client`. */
export function asClient(fake: FakeClient): EventStoreDbClient {
  return fake as unknown as EventStoreDbClient;
}
