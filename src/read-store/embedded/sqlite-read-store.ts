import type { StorageCheck, StorageChecked } from '../../observability/storage-check.port';
import { ReadStoreUnavailableError } from '../read-store.errors';
import type { ReadCollection, ReadDocument, ReadStore } from '../read-store.port';
import { SqliteConnection } from './sqlite-connection';
import { SqliteReadCollection } from './sqlite-read-collection';
import {
  collectionName,
  createIndexStatements,
  parseIndexes,
  quote,
  tableName,
} from './sqlite-sql';

/**
 * Read store in a single SQLite file. Several processes may open the same file: WAL lets readers
 * run beside the one writer, and writers queue on the busy timeout.
 */
export class SqliteReadStore implements ReadStore, StorageChecked {
  private readonly connection: SqliteConnection;

  constructor(private readonly options: { file: string }) {
    this.connection = new SqliteConnection(options.file);
  }

  /** Readiness: the file is still the one opened (a deleted data folder is noticed). */
  storageChecks(): StorageCheck[] {
    return [
      {
        name: 'read-store-file',
        run: async () => {
          if (!this.connection.stillOnDisk()) {
            throw new ReadStoreUnavailableError(
              `${this.options.file} was deleted or replaced since it was opened`,
              { reason: 'vanished' },
            );
          }
          return { file: this.options.file };
        },
      },
    ];
  }

  collection<T extends ReadDocument = ReadDocument>(name: string): ReadCollection<T> {
    return new SqliteReadCollection<T>(this.connection, name);
  }

  async listCollections(): Promise<string[]> {
    return this.connection.read(() =>
      this.connection
        .statement<string>(
          `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`,
        )
        .pluck()
        .all()
        .map(collectionName)
        .sort(),
    );
  }

  /**
   * Drops `to` and renames `from` in one transaction, so other connections see either the old or
   * the new collection. SQLite index names are global and carry the table name, so the indexes
   * are rebuilt under the new name; otherwise a later `from` could not create them again.
   */
  async renameCollection(from: string, to: string): Promise<void> {
    const [source, target] = [tableName(from), tableName(to)];
    if (source === target) throw new Error(`Cannot rename ${from} to itself`);
    this.connection.write(() => {
      const schema = this.connection
        .statement<{ type: string; name: string; sql: string | null }>(
          `SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ?`,
        )
        .all(source);
      if (!schema.some((row) => row.type === 'table')) {
        throw new Error(`Collection ${from} does not exist`);
      }
      // Rows without sql are SQLite's own indexes, which follow the table by themselves.
      const ownIndexes = schema.flatMap(({ type, name, sql }) =>
        type === 'index' && sql !== null ? [{ name, sql }] : [],
      );
      this.connection.exec(`DROP TABLE IF EXISTS ${quote(target)}`);
      for (const { name } of ownIndexes) this.connection.exec(`DROP INDEX ${quote(name)}`);
      this.connection.exec(`ALTER TABLE ${quote(source)} RENAME TO ${quote(target)}`);
      for (const index of parseIndexes(source, ownIndexes)) {
        for (const sql of createIndexStatements(target, index)) this.connection.exec(sql);
      }
    });
  }

  async ping(): Promise<void> {
    this.connection.read(() => this.connection.statement('SELECT 1').get());
  }

  async close(): Promise<void> {
    this.connection.close();
  }
}
