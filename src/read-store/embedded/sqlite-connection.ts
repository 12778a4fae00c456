import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { type FileIdentity, identityOf, stillOnDisk } from '../../storage/embedded/file-identity';
import { sqliteCode, sqliteFaultReason } from '../../storage/embedded/sqlite-fault';
import { ReadStoreUnavailableError } from '../read-store.errors';

/** Opening may have to wait for another process that creates the file or switches it to WAL. */
const OPEN_BUSY_TIMEOUT_MS = 5000;
/**
 * Statements run on the event loop, so a wait for another process's write lock holds every
 * request: long enough to queue behind another writer's short batch (WAL commits without an
 * fsync here take well under a millisecond), short enough that a stuck writer means a prompt 503.
 */
const BUSY_TIMEOUT_MS = 100;

/** One SQLite connection with its prepared statements, shared by a store and its collections. */
export class SqliteConnection {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly opened: FileIdentity;

  constructor(private readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma(`busy_timeout = ${OPEN_BUSY_TIMEOUT_MS}`);
    this.db.pragma('journal_mode = WAL');
    // Read models can be rebuilt from the event store, so a power cut may cost the last commits.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    this.opened = identityOf(file);
  }

  statement<Row = unknown>(sql: string): Database.Statement<unknown[], Row> {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement as Database.Statement<unknown[], Row>;
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  read<R>(operation: () => R): R {
    try {
      return operation();
    } catch (error) {
      throw this.unavailable(error) ?? error;
    }
  }

  /**
   * IMMEDIATE takes the write lock before the first read, so a read-modify-write waits for other
   * processes up front instead of failing with SQLITE_BUSY_SNAPSHOT halfway.
   */
  write<R>(operation: () => R): R {
    return this.read(() => this.db.transaction(operation).immediate());
  }

  /** Whether the path still names the file this connection writes to (see file-identity). */
  stillOnDisk(): boolean {
    return stillOnDisk(this.file, this.opened);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private unavailable(error: unknown): ReadStoreUnavailableError | undefined {
    if (!this.db.open) {
      return new ReadStoreUnavailableError('Read store is closed', {
        cause: error,
        reason: 'closed',
      });
    }
    const reason = sqliteFaultReason(error);
    if (reason === undefined) return undefined;
    return new ReadStoreUnavailableError(`Read store ${reason}: ${(error as Error).message}`, {
      cause: error,
      reason,
    });
  }
}

export function isMissingTable(error: unknown): boolean {
  return (
    sqliteCode(error) === 'SQLITE_ERROR' && (error as Error).message.startsWith('no such table')
  );
}

/** The SQLite message for a unique or primary key violation, else undefined. */
export function uniqueViolation(error: unknown): string | undefined {
  const code = sqliteCode(error);
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
    ? (error as Error).message
    : undefined;
}
