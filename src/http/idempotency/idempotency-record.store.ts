import { Inject, Injectable } from '@nestjs/common';
import { DuplicateKeyError } from '../../read-store/read-store.errors';
import { READ_STORE, type ReadDocument, type ReadStore } from '../../read-store/read-store.port';

/** A key whose command started at `startedAt` and has not been answered (yet, or ever). */
export interface PendingIdempotencyRecord extends ReadDocument {
  fingerprint: string;
  startedAt: string;
}

export interface IdempotencyRecord extends PendingIdempotencyRecord {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  createdAt: string;
}

export function isAnswered(
  record: PendingIdempotencyRecord | IdempotencyRecord,
): record is IdempotencyRecord {
  return typeof record.status === 'number';
}

/**
 * Each idempotency key's first answer, and before it the time its command started; kept in the
 * read store so replicas share them.
 */
@Injectable()
export class IdempotencyRecordStore {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  private get collection() {
    return this.readStore.collection<PendingIdempotencyRecord | IdempotencyRecord>(
      'idempotency_keys',
    );
  }

  find(key: string): Promise<PendingIdempotencyRecord | IdempotencyRecord | null> {
    return this.collection.findOne({ _id: key });
  }

  /**
   * Records that the key's command starts now, unless the key has a record already: that record
   * is returned instead (an earlier attempt, pending or answered). One write, no read, for a key
   * seen for the first time.
   */
  async begin(
    pending: PendingIdempotencyRecord,
  ): Promise<PendingIdempotencyRecord | IdempotencyRecord | null> {
    try {
      await this.collection.insertOne(pending);
      return null;
    } catch (error) {
      if (!(error instanceof DuplicateKeyError)) throw error;
    }
    return this.find(pending._id);
  }

  /**
   * Replaces the pending record with the answer. A concurrent request with the same key may have
   * stored the same answer first: that one is kept.
   */
  async save(record: IdempotencyRecord): Promise<void> {
    try {
      await this.collection.replaceOne({ _id: record._id, status: { $exists: false } }, record, {
        upsert: true,
      });
    } catch (error) {
      if (!(error instanceof DuplicateKeyError)) throw error;
    }
  }
}
