import { MongoClient } from 'mongodb';
import type { ReadCollection, ReadDocument, ReadStore } from '../read-store.port';
import { MongoConnection } from './mongo-connection';
import { MongoReadCollection } from './mongo-read-collection';

export interface MongoReadStoreOptions {
  /** mongodb:// URL; its path names the database unless `dbName` is given. */
  url: string;
  dbName?: string;
  /** How long a call waits for a reachable server before failing as unavailable. */
  serverSelectionTimeoutMS?: number;
  /** How long a connected server may stay silent mid-call: a hung process, not a dead one. */
  socketTimeoutMS?: number;
  /** How long every call may fail as unavailable before the client is replaced. */
  reconnectAfterMs?: number;
}

/**
 * Read store on MongoDB, or on any server speaking its wire protocol. Uses no sessions or
 * transactions (the mongo-wire test server has none), so every write stands on its own.
 * The client connects on first use, so an unreachable server surfaces as ReadStoreUnavailableError
 * from that call, within the server selection timeout, instead of failing construction.
 */
export class MongoReadStore implements ReadStore {
  private readonly connection: MongoConnection;

  constructor(options: MongoReadStoreOptions) {
    const serverSelectionTimeoutMS = options.serverSelectionTimeoutMS ?? 2000;
    this.connection = new MongoConnection({
      createClient: () =>
        new MongoClient(options.url, {
          serverSelectionTimeoutMS,
          connectTimeoutMS: serverSelectionTimeoutMS,
          socketTimeoutMS: options.socketTimeoutMS ?? 10_000,
          writeConcern: { w: 'majority', journal: true },
          // Read models are built from JSON-shaped events, where an undefined field is an absent one.
          ignoreUndefined: true,
        }),
      dbName: options.dbName,
      reconnectAfterMs: options.reconnectAfterMs,
    });
  }

  /** How many times the client was replaced after failing too long (see MongoConnection). */
  get clientReplacements(): number {
    return this.connection.replacements;
  }

  collection<T extends ReadDocument = ReadDocument>(name: string): ReadCollection<T> {
    return new MongoReadCollection<T>(this.connection, name);
  }

  listCollections(): Promise<string[]> {
    return this.connection.run('', async (db) => {
      const collections = await db.listCollections({}, { nameOnly: true }).toArray();
      return collections.map((collection) => collection.name);
    });
  }

  async renameCollection(from: string, to: string): Promise<void> {
    await this.connection.run(from, (db) => db.renameCollection(from, to, { dropTarget: true }));
  }

  async ping(): Promise<void> {
    await this.connection.run('', (db) => db.command({ ping: 1 }));
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}
