import { Inject, Injectable } from '@nestjs/common';
import { DuplicateKeyError } from '../../read-store/read-store.errors';
import { READ_STORE, type ReadDocument, type ReadStore } from '../../read-store/read-store.port';

export interface IdempotencyRecord extends ReadDocument {
  fingerprint: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
  createdAt: string;
}

/** The first answer given for each idempotency key; kept in the read store so replicas share it. */
@Injectable()
export class IdempotencyRecordStore {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  private get collection() {
    return this.readStore.collection<IdempotencyRecord>('idempotency_keys');
  }

  find(key: string): Promise<IdempotencyRecord | null> {
    return this.collection.findOne({ _id: key });
  }

  /** A concurrent request with the same key may have stored the same answer first: that is fine. */
  async save(record: IdempotencyRecord): Promise<void> {
    try {
      await this.collection.insertOne(record);
    } catch (error) {
      if (!(error instanceof DuplicateKeyError)) throw error;
    }
  }
}
