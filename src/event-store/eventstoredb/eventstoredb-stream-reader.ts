import {
  BACKWARDS,
  END,
  FORWARDS,
  StreamNotFoundError,
  type ReadStreamOptions,
  type ResolvedEvent,
} from '@eventstore/db-client';
import type { EventEnvelope } from '../event-envelope';
import { StreamDeletedError } from '../event-store.errors';
import type { EventStoreDbClient } from './eventstoredb-connection';
import { collect, toStreamError, withDeadline } from './eventstoredb-errors';
import { toEnvelope } from './eventstoredb-events';
import { tailOf, type StreamTails, type TailEvent } from './eventstoredb-stream-tails';

/** EventStoreDB's soft delete sets $tb to long.MaxValue (KurrentDB StorageWriterService). */
function isSoftDeleteMark(truncateBefore: unknown): boolean {
  return typeof truncateBefore === 'number' && truncateBefore > Number.MAX_SAFE_INTEGER;
}

/**
 * Reads of one stream, for the port's reads and for appends. A stream that is not there reads as
 * empty, unless it was deleted: a tombstone the server reports itself; a soft-deleted stream reads
 * as missing (KurrentDB IndexReader), so a read that finds no stream asks for its metadata, one
 * more round trip only then.
 */
export class EventStoreDbStreamReader {
  constructor(
    private readonly client: EventStoreDbClient,
    private readonly timeoutMs: number,
    private readonly tails: StreamTails,
  ) {}

  async read(streamId: string, options: ReadStreamOptions): Promise<EventEnvelope[]> {
    const operation = `read stream ${streamId}`;
    let read: ResolvedEvent[];
    try {
      read = await collect(this.client.readStream(streamId, options), this.timeoutMs, operation);
    } catch (error) {
      if (error instanceof StreamNotFoundError) {
        await this.assertNotSoftDeleted(streamId);
        return [];
      }
      throw toStreamError(error, streamId, operation);
    }
    return read.flatMap(({ event }) => (event ? [toEnvelope(event)] : []));
  }

  /**
   * The stream's last events, oldest first, from the leader: the look-back window plus `count`, so
   * that a re-send of `count` events ending inside the window is seen whole. Remembered for the
   * next append.
   */
  async tail(streamId: string, count: number): Promise<TailEvent[]> {
    const newestFirst = await this.read(streamId, {
      direction: BACKWARDS,
      fromRevision: END,
      maxCount: this.tails.window + count,
      requiresLeader: true,
    });
    const tail = tailOf(newestFirst.reverse());
    this.tails.remember(streamId, tail);
    return tail;
  }

  /** The position of the event at `revision`, for the rare answers that carry none. */
  async positionAt(streamId: string, revision: number): Promise<number> {
    const [stored] = await this.read(streamId, {
      direction: FORWARDS,
      fromRevision: BigInt(revision),
      maxCount: 1,
      requiresLeader: true,
    });
    if (stored?.revision !== revision) {
      throw new Error(`Stream ${streamId}: revision ${revision} is not there to be read back`);
    }
    return stored.position;
  }

  private async assertNotSoftDeleted(streamId: string): Promise<void> {
    const operation = `read metadata of ${streamId}`;
    let truncateBefore: unknown;
    try {
      const { metadata } = await withDeadline(
        this.client.getStreamMetadata(streamId, { deadline: this.timeoutMs }),
        this.timeoutMs,
        operation,
      );
      truncateBefore = metadata?.truncateBefore;
    } catch (error) {
      throw toStreamError(error, streamId, operation);
    }
    if (isSoftDeleteMark(truncateBefore)) {
      this.tails.forget(streamId);
      throw new StreamDeletedError(streamId, 'EventStoreDB soft-deleted it');
    }
  }
}
