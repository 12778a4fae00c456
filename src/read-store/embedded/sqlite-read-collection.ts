import { find, Query } from 'mingo';
import { DuplicateKeyError } from '../read-store.errors';
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
import {
  applyUpdate,
  assertReplacement,
  assertKeepsId,
  decodeDocument,
  encodeDocument,
  replacementId,
  upsertDocument,
  withId,
} from './mongo-semantics';
import { flatFilterTest } from './flat-filter';
import { isMissingTable, SqliteConnection, uniqueViolation } from './sqlite-connection';
import {
  candidateQuery,
  createIndexStatements,
  type IndexDefinition,
  indexDefinition,
  parseIndexes,
  quote,
  tableName,
  violatedIndex,
} from './sqlite-sql';

interface Stored<T> {
  raw: string;
  document: T;
}

const NO_MATCH: UpdateResult = { matchedCount: 0, upsertedId: null };

/**
 * A collection is a table of (id, doc JSON). SQL only narrows the rows to read; mingo decides
 * which documents match and applies updates, so matching is MongoDB's throughout.
 */
export class SqliteReadCollection<T extends ReadDocument> implements ReadCollection<T> {
  private readonly table: string;
  private readonly quoted: string;

  constructor(
    private readonly connection: SqliteConnection,
    private readonly name: string,
  ) {
    this.table = tableName(name);
    this.quoted = quote(this.table);
  }

  async findOne(filter: Filter): Promise<T | null> {
    const [first] = await this.find(filter, { limit: 1 });
    return first ?? null;
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    const { sort, limit = 0 } = options;
    return this.connection.read(() => {
      if (sort) {
        const all = [...this.matching(filter)].map((match) => match.document);
        const sorted = find<T>(all, {}).sort(sort);
        return (limit > 0 ? sorted.limit(limit) : sorted).all();
      }
      // Without a sort the scan can stop as soon as the page is full.
      const page: T[] = [];
      for (const { document } of this.matching(filter)) {
        if (page.push(document) === limit) break;
      }
      return page;
    });
  }

  async countDocuments(filter: Filter = {}): Promise<number> {
    return this.connection.read(() => {
      if (Object.keys(filter).length > 0) return [...this.matching(filter)].length;
      try {
        return (
          this.connection.statement<number>(`SELECT count(*) FROM ${this.quoted}`).pluck().get() ??
          0
        );
      } catch (error) {
        if (isMissingTable(error)) return 0;
        throw error;
      }
    });
  }

  async insertOne(document: T): Promise<void> {
    this.connection.write(() => this.insert(document));
  }

  async updateOne(
    filter: Filter,
    update: UpdateDocument,
    options: UpdateOptions = {},
  ): Promise<UpdateResult> {
    return this.connection.write(() => this.update(filter, update, options.upsert ?? false));
  }

  async replaceOne(
    filter: Filter,
    replacement: T,
    options: UpdateOptions = {},
  ): Promise<UpdateResult> {
    return this.connection.write(() => this.replace(filter, replacement, options.upsert ?? false));
  }

  async deleteMany(filter: Filter): Promise<number> {
    return this.connection.write(() => this.remove(filter));
  }

  async bulkWrite(operations: BulkWriteOperation<T>[]): Promise<void> {
    this.connection.write(() => {
      for (const operation of operations) {
        if ('insertOne' in operation) {
          this.insert(operation.insertOne.document);
        } else if ('updateOne' in operation) {
          const { filter, update, upsert } = operation.updateOne;
          this.update(filter, update, upsert ?? false);
        } else {
          const { filter, replacement, upsert } = operation.replaceOne;
          this.replace(filter, replacement, upsert ?? false);
        }
      }
    });
  }

  async createIndex(spec: IndexSpec): Promise<void> {
    const index = indexDefinition(spec);
    // MongoDB always has the _id index.
    if (index.keys.length === 1 && index.keys[0][0] === '_id') return;
    this.connection.write(() => {
      this.ensureTable();
      const existing = this.indexes();
      const sameName = existing.find((other) => other.name === index.name);
      const sameKeys = existing.find((other) => sameIndexKeys(other, index));
      if (sameName && sameName === sameKeys && sameName.unique === index.unique) return;
      if (sameName || sameKeys) {
        throw new Error(
          `Index ${index.name} conflicts with existing index ${(sameName ?? sameKeys)?.name}`,
        );
      }
      try {
        for (const sql of createIndexStatements(this.table, index)) this.connection.exec(sql);
      } catch (error) {
        if (uniqueViolation(error)) throw new DuplicateKeyError(this.name, index.name);
        throw error;
      }
    });
  }

  async drop(): Promise<void> {
    this.connection.write(() => this.connection.exec(`DROP TABLE IF EXISTS ${this.quoted}`));
  }

  private insert(document: T): void {
    const raw = encodeDocument(document);
    this.ensureTable();
    this.writeRow(document, () =>
      this.connection
        .statement(`INSERT INTO ${this.quoted} (id, doc) VALUES (?, ?)`)
        .run(document._id, raw),
    );
  }

  private update(filter: Filter, update: UpdateDocument, upsert: boolean): UpdateResult {
    const current = this.first(filter);
    if (current) {
      applyUpdate(current.document, update, false);
      this.rewrite(current, current.document);
      return { ...NO_MATCH, matchedCount: 1 };
    }
    if (!upsert) return NO_MATCH;
    // An _id that exists already fails the insert with DuplicateKeyError, as E11000 does in
    // MongoDB: a filter that guards on a revision must not fall through to overwriting.
    const created = upsertDocument(filter, update) as T;
    this.insert(created);
    return { ...NO_MATCH, upsertedId: created._id };
  }

  private replace(filter: Filter, replacement: T, upsert: boolean): UpdateResult {
    assertReplacement(replacement);
    const current = this.first(filter);
    if (current) {
      assertKeepsId(current.document._id, replacement);
      this.rewrite(current, withId(current.document._id, replacement));
      return { ...NO_MATCH, matchedCount: 1 };
    }
    if (!upsert) return NO_MATCH;
    const created = withId(replacementId(filter, replacement), replacement);
    this.insert(created);
    return { ...NO_MATCH, upsertedId: created._id };
  }

  private remove(filter: Filter): number {
    const ids = [...this.matching(filter)].map(({ document }) => document._id);
    if (ids.length === 0) return 0;
    const remove = this.connection.statement(`DELETE FROM ${this.quoted} WHERE id = ?`);
    for (const id of ids) remove.run(id);
    return ids.length;
  }

  /** Writes `next` over `current`, unless nothing changed. */
  private rewrite(current: Stored<T>, next: T): void {
    const raw = encodeDocument(next);
    if (raw === current.raw) return;
    this.writeRow(next, () =>
      this.connection
        .statement(`UPDATE ${this.quoted} SET doc = ? WHERE id = ?`)
        .run(raw, next._id),
    );
  }

  private writeRow(document: T, write: () => void): void {
    try {
      write();
    } catch (error) {
      const message = uniqueViolation(error);
      if (message === undefined) throw error;
      const index = violatedIndex(this.table, message);
      const keys = this.indexes().find((candidate) => candidate.name === index)?.keys ?? [
        ['_id', 1],
      ];
      const key = Object.fromEntries(
        keys.map(([field]) => [field, valueAt(document, field) ?? null]),
      );
      throw new DuplicateKeyError(this.name, JSON.stringify(key));
    }
  }

  private first(filter: Filter): Stored<T> | undefined {
    for (const match of this.matching(filter)) return match;
    return undefined;
  }

  /** Stored documents matching `filter`, in the order SQLite reads the candidate rows. */
  private *matching(filter: Filter): Generator<Stored<T>> {
    const { sql, params, exact } = candidateQuery(this.table, filter, () => this.indexes());
    // Compiling the filter costs more than reading a row by id: lookups by id skip it, and plain
    // comparisons compile it only for a document the quick test leaves to mingo. Any other filter
    // is compiled at once, so a malformed one fails even where no row is read.
    const quick = exact ? undefined : flatFilterTest(filter);
    let query = exact || quick ? undefined : new Query(filter);
    try {
      const rows = this.connection.statement<{ doc: string }>(sql).iterate(...params);
      for (const { doc } of rows) {
        const document = decodeDocument<T>(doc);
        if (exact || (quick?.(document) ?? (query ??= new Query(filter)).test(document))) {
          yield { raw: doc, document };
        }
      }
    } catch (error) {
      if (!isMissingTable(error)) throw error;
    }
  }

  private indexes(): IndexDefinition[] {
    const rows = this.connection
      .statement<{ name: string; sql: string }>(
        `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?`,
      )
      .all(this.table);
    return parseIndexes(this.table, rows);
  }

  /** MongoDB creates a collection on its first write, and reads from a missing one find nothing. */
  private ensureTable(): void {
    this.connection
      .statement(
        `CREATE TABLE IF NOT EXISTS ${this.quoted} (id TEXT PRIMARY KEY, doc TEXT NOT NULL)`,
      )
      .run();
  }
}

function sameIndexKeys(a: IndexDefinition, b: IndexDefinition): boolean {
  return JSON.stringify(a.keys) === JSON.stringify(b.keys);
}

function valueAt(document: ReadDocument, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (value, key) => (value as Record<string, unknown> | undefined)?.[key],
      document,
    );
}
