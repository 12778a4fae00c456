import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ReadStoreUnavailableError } from '../read-store.errors';

// Long enough to queue behind another process's write batch, short enough to answer 503 soon.
const BUSY_TIMEOUT_MS = 5000;

/** One SQLite connection with its prepared statements, shared by a store and its collections. */
export class SqliteConnection {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    this.db.pragma('journal_mode = WAL');
    // Read models can be rebuilt from the event store, so a power cut may cost the last commits.
    this.db.pragma('synchronous = NORMAL');
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

  close(): void {
    if (this.db.open) this.db.close();
  }

  private unavailable(error: unknown): ReadStoreUnavailableError | undefined {
    if (!this.db.open)
      return new ReadStoreUnavailableError('Read store is closed', { cause: error });
    if (/^SQLITE_(BUSY|LOCKED)/.test(sqliteCode(error) ?? '')) {
      return new ReadStoreUnavailableError('Read store is locked by another writer', {
        cause: error,
      });
    }
    return undefined;
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

/**
 * The SQLite result code of a better-sqlite3 error. Matched by name rather than `instanceof`: the
 * native addon keeps the SqliteError class of whichever module instance loaded it first, which is
 * not this one under a test runner that reloads modules (nor is its realm's Error).
 */
function sqliteCode(error: unknown): string | undefined {
  const candidate = error as { name?: unknown; code?: unknown } | null;
  return candidate?.name === 'SqliteError' && typeof candidate.code === 'string'
    ? candidate.code
    : undefined;
}
