/**
 * Document storage for read models, shaped after the MongoDB driver so that its adapter stays thin,
 * and no wider than its callers need: filters use MongoDB's query operators, updates `$set`,
 * `$setOnInsert` and `$max`, bulk writes inserts and replacements.
 */
export const READ_STORE = Symbol('READ_STORE');

export interface ReadDocument {
  _id: string;
  [field: string]: unknown;
}

export type Filter = Record<string, unknown>;

export interface UpdateDocument {
  $set?: Record<string, unknown>;
  /** Applied only when the update inserts the document. */
  $setOnInsert?: Record<string, unknown>;
  /** Sets each field to the larger of its value and the given one: checkpoints only move forward. */
  $max?: Record<string, unknown>;
}

export type SortSpec = Record<string, 1 | -1>;

export interface FindOptions {
  sort?: SortSpec;
  limit?: number;
}

export interface UpdateOptions {
  upsert?: boolean;
}

export interface UpdateResult {
  matchedCount: number;
  upsertedId: string | null;
}

export type BulkWriteOperation<T extends ReadDocument> =
  | { insertOne: { document: T } }
  | { replaceOne: { filter: Filter; replacement: T; upsert?: boolean } }
  | { updateOne: { filter: Filter; update: UpdateDocument; upsert?: boolean } };

export interface IndexSpec {
  /** Fields must hold scalars (not arrays) for an index to be used by the embedded adapter. */
  keys: Record<string, 1 | -1>;
  unique?: boolean;
  name?: string;
}

export interface ReadCollection<T extends ReadDocument = ReadDocument> {
  findOne(filter: Filter): Promise<T | null>;
  find(filter: Filter, options?: FindOptions): Promise<T[]>;
  countDocuments(filter?: Filter): Promise<number>;
  /** Throws DuplicateKeyError when the _id or a unique index value is taken. */
  insertOne(document: T): Promise<void>;
  updateOne(filter: Filter, update: UpdateDocument, options?: UpdateOptions): Promise<UpdateResult>;
  replaceOne(filter: Filter, replacement: T, options?: UpdateOptions): Promise<UpdateResult>;
  deleteMany(filter: Filter): Promise<number>;
  /**
   * Applies the operations in order; the embedded adapter applies them all or none. An upsert
   * that collides with an existing _id throws DuplicateKeyError (as MongoDB does), so a write
   * guarded by a revision filter never overwrites a newer document.
   */
  bulkWrite(operations: BulkWriteOperation<T>[]): Promise<void>;
  createIndex(spec: IndexSpec): Promise<void>;
  drop(): Promise<void>;
}

export interface ReadStore {
  collection<T extends ReadDocument = ReadDocument>(name: string): ReadCollection<T>;
  listCollections(): Promise<string[]>;
  /** Replaces `to` with `from` in one step, so that readers see the old or the new, never neither. */
  renameCollection(from: string, to: string): Promise<void>;
  /** Throws ReadStoreUnavailableError when the store does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
