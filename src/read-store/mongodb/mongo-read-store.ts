import { MongoClient, type Db } from 'mongodb';
import type { ReadCollection, ReadDocument, ReadStore } from '../read-store.port';
import { translatingErrors } from './mongo-errors';
import { MongoReadCollection } from './mongo-read-collection';

export interface MongoReadStoreOptions {
  /** mongodb:// URL; its path names the database unless `dbName` is given. */
  url: string;
  dbName?: string;
  /** How long a call waits for a reachable server before failing as unavailable. */
  serverSelectionTimeoutMS?: number;
  /** How long a connected server may stay silent mid-call: a hung process, not a dead one. */
  socketTimeoutMS?: number;
}

/**
 * Read store on MongoDB, or on any server speaking its wire protocol. Uses no sessions or
 * transactions (the mongo-wire test server has none), so every write stands on its own.
 * The client connects on first use, so an unreachable server surfaces as ReadStoreUnavailableError
 * from that call, within the server selection timeout, instead of failing construction.
 */
export class MongoReadStore implements ReadStore {
  private readonly client: MongoClient;
  private readonly db: Db;

  constructor(options: MongoReadStoreOptions) {
    const serverSelectionTimeoutMS = options.serverSelectionTimeoutMS ?? 2000;
    this.client = new MongoClient(options.url, {
      serverSelectionTimeoutMS,
      connectTimeoutMS: serverSelectionTimeoutMS,
      socketTimeoutMS: options.socketTimeoutMS ?? 10_000,
      writeConcern: { w: 'majority', journal: true },
      // Read models are built from JSON-shaped events, where an undefined field is an absent one.
      ignoreUndefined: true,
    });
    this.db = this.client.db(options.dbName);
  }

  collection<T extends ReadDocument = ReadDocument>(name: string): ReadCollection<T> {
    return new MongoReadCollection<T>(this.db.collection(name));
  }

  listCollections(): Promise<string[]> {
    return translatingErrors('', async () => {
      const collections = await this.db.listCollections({}, { nameOnly: true }).toArray();
      return collections.map((collection) => collection.name);
    });
  }

  async renameCollection(from: string, to: string): Promise<void> {
    await translatingErrors(from, () => this.db.renameCollection(from, to, { dropTarget: true }));
  }

  async ping(): Promise<void> {
    await translatingErrors('', () => this.db.command({ ping: 1 }));
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
