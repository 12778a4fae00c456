import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import type { NewEvent } from '../event-envelope';
import {
  EventStoreUnavailableError,
  PartialDuplicateAppendError,
  WrongExpectedRevisionError,
} from '../event-store.errors';
import type { ExpectedRevision } from '../expected-revision';
import type {
  AppendFailure,
  WriterReply,
  WriterRequest,
  WriterStartup,
} from './sqlite-writer.protocol';
import type { WriterOptions } from './sqlite-writer.worker';
import { startWriterThread } from './writer-thread';

type Success = Extract<WriterReply, { ok: true }>;

interface Pending {
  streamId: string;
  resolve: (reply: Success) => void;
  reject: (error: Error) => void;
}

/** The store's side of its writer thread: hands requests over, matches replies to them. */
export class SqliteWriter {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  /** Requests made since the last hand-over, posted together once the current callbacks ran. */
  private outbox: WriterRequest[] = [];
  private flushScheduled = false;
  private readonly exited: Promise<void>;
  private nextId = 1;
  private failure: EventStoreUnavailableError | undefined;

  constructor(options: WriterOptions) {
    this.worker = startWriterThread(options);
    this.worker.on('message', (message: WriterReply[] | WriterStartup) => this.receive(message));
    this.worker.on('error', (error) => {
      this.fail(
        new EventStoreUnavailableError(`Event store writer failed: ${error.message}`, {
          cause: error,
          reason: 'closed',
        }),
      );
    });
    this.exited = once(this.worker, 'exit').then(() => {
      this.fail(new EventStoreUnavailableError('Event store writer stopped', { reason: 'closed' }));
    });
  }

  append(
    streamId: string,
    events: NewEvent[],
    expected: ExpectedRevision,
    recordedAt: string,
  ): Promise<Success> {
    return this.send(streamId, (id) => ({
      kind: 'append',
      id,
      streamId,
      events,
      expected,
      recordedAt,
    }));
  }

  probe(probedAt: string): Promise<Success> {
    return this.send('', (id) => ({ kind: 'probe', id, probedAt }));
  }

  /** Lets the requests already handed over commit, then stops the thread. */
  async close(): Promise<void> {
    if (this.failure === undefined) {
      this.outbox.push({ kind: 'close' });
      this.flush();
    }
    await this.exited;
  }

  private send(streamId: string, request: (id: number) => WriterRequest): Promise<Success> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { streamId, resolve, reject });
      this.outbox.push(request(id));
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.outbox.length === 0 || this.failure) return;
    this.worker.postMessage(this.outbox);
    this.outbox = [];
  }

  private receive(message: WriterReply[] | WriterStartup): void {
    if (!Array.isArray(message)) {
      if (!message.ready) {
        this.fail(new EventStoreUnavailableError(message.message, { reason: message.reason }));
      }
      return;
    }
    for (const reply of message) {
      const pending = this.pending.get(reply.id);
      if (!pending) continue;
      this.pending.delete(reply.id);
      if (reply.ok) pending.resolve(reply);
      else pending.reject(toError(pending.streamId, reply.failure));
    }
  }

  /** Every request not answered yet may or may not have committed: the caller must re-read. */
  private fail(error: EventStoreUnavailableError): void {
    this.failure ??= error;
    this.outbox = [];
    for (const pending of this.pending.values()) pending.reject(this.failure);
    this.pending.clear();
  }
}

function toError(streamId: string, failure: AppendFailure): Error {
  switch (failure.kind) {
    case 'wrong-expected-revision':
      return new WrongExpectedRevisionError(streamId, failure.expected, failure.actual);
    case 'partial-duplicate':
      return new PartialDuplicateAppendError(streamId);
    case 'storage':
      return new EventStoreUnavailableError(`Event store ${failure.reason}: ${failure.message}`, {
        reason: failure.reason,
      });
    case 'rejected':
      return new Error(`Stream ${streamId}: ${failure.message}`);
  }
}
