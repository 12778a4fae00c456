import type { AnyBulkWriteOperation, Collection, Document, UpdateFilter } from 'mongodb';
import type {
  BulkWriteOperation,
  Filter,
  FindOptions,
  IndexSpec,
  ReadCollection,
  ReadDocument,
  UpdateDocument,
  UpdateOptions,
  UpdateResult,
} from '../read-store.port';
import { isNamespaceNotFound, translatingErrors } from './mongo-errors';

/** The port was shaped after the driver, so each method is one driver call plus error translation. */
export class MongoReadCollection<T extends ReadDocument> implements ReadCollection<T> {
  constructor(private readonly collection: Collection<Document>) {}

  private get name(): string {
    return this.collection.collectionName;
  }

  findOne(filter: Filter): Promise<T | null> {
    return translatingErrors(this.name, () => this.collection.findOne<T>(filter));
  }

  find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    const { sort, limit } = options;
    return translatingErrors(this.name, () =>
      this.collection.find<T>(filter, { sort, limit }).toArray(),
    );
  }

  countDocuments(filter: Filter = {}): Promise<number> {
    return translatingErrors(this.name, () => this.collection.countDocuments(filter));
  }

  async insertOne(document: T): Promise<void> {
    await translatingErrors(this.name, () => this.collection.insertOne(document as Document));
  }

  async updateOne(
    filter: Filter,
    update: UpdateDocument,
    options: UpdateOptions = {},
  ): Promise<UpdateResult> {
    const result = await translatingErrors(this.name, () =>
      this.collection.updateOne(filter, update as UpdateFilter<Document>, {
        upsert: options.upsert ?? false,
      }),
    );
    return toUpdateResult(result);
  }

  async replaceOne(
    filter: Filter,
    replacement: T,
    options: UpdateOptions = {},
  ): Promise<UpdateResult> {
    const result = await translatingErrors(this.name, () =>
      this.collection.replaceOne(filter, replacement, { upsert: options.upsert ?? false }),
    );
    return toUpdateResult(result);
  }

  async deleteMany(filter: Filter): Promise<number> {
    const result = await translatingErrors(this.name, () => this.collection.deleteMany(filter));
    return result.deletedCount;
  }

  async bulkWrite(operations: BulkWriteOperation<T>[]): Promise<void> {
    // The driver rejects an empty batch; for the port it is simply nothing to do.
    if (operations.length === 0) return;
    await translatingErrors(this.name, () =>
      this.collection.bulkWrite(operations as AnyBulkWriteOperation<Document>[], { ordered: true }),
    );
  }

  async createIndex(spec: IndexSpec): Promise<void> {
    await translatingErrors(this.name, () =>
      this.collection.createIndex(spec.keys, { unique: spec.unique ?? false, name: spec.name }),
    );
  }

  async drop(): Promise<void> {
    await translatingErrors(this.name, async () => {
      try {
        await this.collection.drop();
      } catch (error) {
        if (!isNamespaceNotFound(error)) throw error;
      }
    });
  }
}

function toUpdateResult(result: { matchedCount: number; upsertedId: unknown }): UpdateResult {
  return {
    matchedCount: result.matchedCount,
    upsertedId: result.upsertedId === null ? null : String(result.upsertedId),
  };
}
