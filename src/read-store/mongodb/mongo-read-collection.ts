import type { AnyBulkWriteOperation, Collection, Db, Document, UpdateFilter } from 'mongodb';
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
import type { MongoConnection } from './mongo-connection';
import { isNamespaceNotFound } from './mongo-errors';

/**
 * The port was shaped after the driver, so each method is one driver call, made through the
 * store's connection (error translation, and the current client should it have been replaced).
 */
export class MongoReadCollection<T extends ReadDocument> implements ReadCollection<T> {
  constructor(
    private readonly connection: MongoConnection,
    private readonly name: string,
  ) {}

  private run<R>(call: (collection: Collection<Document>) => Promise<R>): Promise<R> {
    return this.connection.run(this.name, (db: Db) => call(db.collection(this.name)));
  }

  findOne(filter: Filter): Promise<T | null> {
    return this.run((collection) => collection.findOne<T>(filter));
  }

  find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    const { sort, limit } = options;
    return this.run((collection) => collection.find<T>(filter, { sort, limit }).toArray());
  }

  countDocuments(filter: Filter = {}): Promise<number> {
    return this.run((collection) => collection.countDocuments(filter));
  }

  async insertOne(document: T): Promise<void> {
    await this.run((collection) => collection.insertOne(document as Document));
  }

  async updateOne(
    filter: Filter,
    update: UpdateDocument,
    options: UpdateOptions = {},
  ): Promise<UpdateResult> {
    const result = await this.run((collection) =>
      collection.updateOne(filter, update as UpdateFilter<Document>, {
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
    const result = await this.run((collection) =>
      collection.replaceOne(filter, replacement, { upsert: options.upsert ?? false }),
    );
    return toUpdateResult(result);
  }

  async deleteMany(filter: Filter): Promise<number> {
    const result = await this.run((collection) => collection.deleteMany(filter));
    return result.deletedCount;
  }

  async bulkWrite(operations: BulkWriteOperation<T>[]): Promise<void> {
    // The driver rejects an empty batch; for the port it is simply nothing to do.
    if (operations.length === 0) return;
    await this.run((collection) =>
      collection.bulkWrite(operations as AnyBulkWriteOperation<Document>[], { ordered: true }),
    );
  }

  async createIndex(spec: IndexSpec): Promise<void> {
    await this.run((collection) =>
      collection.createIndex(spec.keys, { unique: spec.unique ?? false, name: spec.name }),
    );
  }

  async drop(): Promise<void> {
    await this.run(async (collection) => {
      try {
        await collection.drop();
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
