import { Logger } from '@nestjs/common';
import type { Db, MongoClient } from 'mongodb';
import { ReadStoreUnavailableError } from '../read-store.errors';
import { translatingErrors } from './mongo-errors';

/** How long every call may fail as unavailable before the client is replaced by a new one. */
const DEFAULT_RECONNECT_AFTER_MS = 10_000;

export interface MongoConnectionOptions {
  createClient: () => MongoClient;
  dbName?: string;
  reconnectAfterMs?: number;
}

/**
 * The read store's one MongoClient, and the way every call reaches the server. A client whose
 * calls have all failed as unavailable for `reconnectAfterMs` is closed and replaced: after a
 * restart of the server, the driver's monitor of one process was seen to stay on the error of a
 * connection the restart had closed ("connection 12 … closed") for over a minute while other
 * processes' clients reconnected within a second, and with it every call of that process failed.
 * A new client starts with a new monitor. During a real outage the replacement changes nothing.
 */
export class MongoConnection {
  private readonly logger = new Logger('MongoReadStore');
  private readonly reconnectAfterMs: number;
  private client: MongoClient;
  private db: Db;
  private failingSince: number | undefined;
  private replaced = 0;

  constructor(private readonly options: MongoConnectionOptions) {
    this.reconnectAfterMs = options.reconnectAfterMs ?? DEFAULT_RECONNECT_AFTER_MS;
    this.client = options.createClient();
    this.db = this.client.db(options.dbName);
  }

  /** How many times the client has been replaced. */
  get replacements(): number {
    return this.replaced;
  }

  /** Runs one driver call on the current database, translating its errors. */
  async run<R>(collection: string, call: (db: Db) => Promise<R>): Promise<R> {
    try {
      const result = await translatingErrors(collection, () => call(this.db));
      this.failingSince = undefined;
      return result;
    } catch (error) {
      if (error instanceof ReadStoreUnavailableError) this.stillUnavailable();
      else this.failingSince = undefined;
      throw error;
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private stillUnavailable(): void {
    const now = Date.now();
    this.failingSince ??= now;
    if (now - this.failingSince < this.reconnectAfterMs) return;
    const stale = this.client;
    this.client = this.options.createClient();
    this.db = this.client.db(this.options.dbName);
    this.failingSince = now;
    this.replaced++;
    this.logger.warn(
      `every call failed as unavailable for ${this.reconnectAfterMs} ms: replaced the client`,
    );
    void stale.close(true).catch(() => undefined);
  }
}
