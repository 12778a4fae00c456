import { DuplicateKeyError } from '../read-store/read-store.errors';
import type { ReadDocument, ReadStore } from '../read-store/read-store.port';

interface LeaseDocument extends ReadDocument {
  holder: string;
  expiresAt: number;
}

/**
 * A time-bound lease in the read store, so that only one relay publishes at a time. Taking it
 * succeeds when it is free, expired, or already ours; a holder that dies simply stops renewing.
 */
export class RelayLease {
  constructor(
    private readonly readStore: ReadStore,
    private readonly name: string,
    readonly holder: string,
    readonly ttlMs: number,
  ) {}

  private get collection() {
    return this.readStore.collection<LeaseDocument>('leases');
  }

  /** True when this holder has the lease until now + ttl. */
  async tryAcquire(now = Date.now()): Promise<boolean> {
    try {
      const result = await this.collection.updateOne(
        { _id: this.name, $or: [{ holder: this.holder }, { expiresAt: { $lt: now } }] },
        { $set: { holder: this.holder, expiresAt: now + this.ttlMs } },
        { upsert: true },
      );
      return result.matchedCount === 1 || result.upsertedId !== null;
    } catch (error) {
      // Someone else holds an unexpired lease: the upsert collided with their document.
      if (error instanceof DuplicateKeyError) return false;
      throw error;
    }
  }

  async release(): Promise<void> {
    await this.collection.updateOne(
      { _id: this.name, holder: this.holder },
      { $set: { expiresAt: 0 } },
    );
  }
}
