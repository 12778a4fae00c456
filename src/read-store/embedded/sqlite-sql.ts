import type { Filter, IndexSpec } from '../read-store.port';
import { equalityFields } from './mongo-semantics';

/** An index as sqlite_master records it; its CREATE statement is the only copy of the spec. */
export interface IndexDefinition {
  name: string;
  keys: [field: string, direction: 1 | -1][];
  unique: boolean;
}

export interface CandidateQuery {
  sql: string;
  params: (string | number)[];
  /** The rows are exactly the matches (the filter is an `_id` and nothing else): no test needed. */
  exact: boolean;
}

const COLLECTION_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,119}$/;
// Plain identifiers only, so that a field path goes into SQL and JSON paths without escaping.
const FIELD_PATH = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/;
const INDEX_KEY = /ifnull\(json_extract\(doc, '\$\.([\w.]+)'\), X'00'\) (ASC|DESC)/g;

/**
 * SQLite compares table names without regard to case while MongoDB's collection names are case
 * sensitive, so capitals are spelled `^x`.
 */
export function tableName(collection: string): string {
  const table = collection.replace(/[A-Z]/g, (letter) => `^${letter.toLowerCase()}`);
  if (!COLLECTION_NAME.test(collection) || table.startsWith('sqlite_')) {
    throw new Error(`Invalid collection name: ${JSON.stringify(collection)}`);
  }
  return table;
}

export function collectionName(table: string): string {
  return table.replace(/\^([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

export function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

/**
 * A missing field and null share the key X'00', a blob no JSON value extracts to, so that a unique
 * index admits a single document without the field, as MongoDB's does.
 */
function keyExpression(field: string): string {
  return `ifnull(json_extract(doc, '$.${field}'), X'00')`;
}

/**
 * True for rows where the path runs into an array. MongoDB matches a query value against array
 * elements, which json_extract cannot see, so an index lookup must also return these rows.
 */
function arrayGuard(field: string): string {
  const segments = field.split('.');
  return segments
    .map((_, i) => `json_type(doc, '$.${segments.slice(0, i + 1).join('.')}') IS 'array'`)
    .join(' OR ');
}

const indexPrefix = (table: string) => `${table}#ix#`;

export function indexDefinition(spec: IndexSpec): IndexDefinition {
  const keys = Object.entries(spec.keys);
  if (keys.length === 0) throw new Error('An index needs at least one key');
  for (const [field, direction] of keys) {
    if (!FIELD_PATH.test(field) || (direction !== 1 && direction !== -1)) {
      throw new Error(`Unsupported index key ${JSON.stringify({ [field]: direction })}`);
    }
  }
  const name = spec.name ?? keys.map(([field, direction]) => `${field}_${direction}`).join('_');
  return { name, keys, unique: spec.unique ?? false };
}

/**
 * The index itself plus a partial index over the rows its leading field cannot answer for (see
 * arrayGuard), which keeps that half of an index lookup cheap too.
 */
export function createIndexStatements(table: string, index: IndexDefinition): string[] {
  const columns = index.keys
    .map(([field, direction]) => `${keyExpression(field)} ${direction === 1 ? 'ASC' : 'DESC'}`)
    .join(', ');
  const [leading] = index.keys[0];
  const unique = index.unique ? 'UNIQUE ' : '';
  return [
    `CREATE ${unique}INDEX ${quote(indexPrefix(table) + index.name)} ON ${quote(table)} (${columns})`,
    `CREATE INDEX IF NOT EXISTS ${quote(`${table}#arrays#${leading}`)} ON ${quote(table)} (id) ` +
      `WHERE ${arrayGuard(leading)}`,
  ];
}

export function parseIndexes(
  table: string,
  rows: readonly { name: string; sql: string }[],
): IndexDefinition[] {
  const prefix = indexPrefix(table);
  return rows
    .filter((row) => row.name.startsWith(prefix))
    .map((row) => ({
      name: row.name.slice(prefix.length),
      keys: [...row.sql.matchAll(INDEX_KEY)].map(([, field, order]) => [
        field,
        order === 'ASC' ? 1 : -1,
      ]),
      unique: row.sql.startsWith('CREATE UNIQUE'),
    }));
}

/** The logical index name in a SQLite unique-constraint message, or null for the primary key. */
export function violatedIndex(table: string, message: string): string | null {
  const match = /index '(.*)'$/.exec(message);
  return match ? match[1].slice(indexPrefix(table).length) : null;
}

function indexable(value: unknown): value is string | number | boolean {
  return (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/**
 * The rows that may match `filter`: one row for an `_id` equality, the listed rows for an `_id` $in
 * of strings, an index lookup for an equality
 * on the leading field of an index, otherwise every row. The caller still tests each row with the
 * whole filter, so narrowing only ever changes how many rows are read, never the result, except
 * where the filter is the `_id` alone: the rows are then the answer, and testing them is skipped.
 * `indexes` is only called when there is no _id to look up, which spares that path a schema read.
 */
export function candidateQuery(
  table: string,
  filter: Filter,
  indexes: () => readonly IndexDefinition[],
): CandidateQuery {
  const from = `SELECT doc FROM ${quote(table)}`;
  const onlyId = Object.keys(filter).length === 1;
  if (typeof filter._id === 'string') {
    return { sql: `${from} WHERE id = ?`, params: [filter._id], exact: onlyId };
  }
  const equalities = equalityFields(filter);
  if (typeof equalities._id === 'string') {
    return { sql: `${from} WHERE id = ?`, params: [equalities._id], exact: false };
  }
  const ids = idsIn(filter);
  if (ids) {
    // One statement whatever the number of ids: they travel as one JSON array.
    return {
      sql: `${from} WHERE id IN (SELECT value FROM json_each(?))`,
      params: [JSON.stringify(ids)],
      exact: onlyId,
    };
  }
  const leadingFields = new Set(indexes().map((index) => index.keys[0][0]));
  for (const [field, value] of Object.entries(equalities)) {
    if (!leadingFields.has(field) || !indexable(value)) continue;
    const guard = arrayGuard(field);
    return {
      // json_extract yields 1 and 0 for JSON true and false.
      params: [typeof value === 'boolean' ? Number(value) : value],
      sql: `${from} WHERE ${keyExpression(field)} = ? AND NOT (${guard}) UNION ALL ${from} WHERE ${guard}`,
      exact: false,
    };
  }
  return { sql: from, params: [], exact: false };
}

/** The ids of a top-level `{ _id: { $in: [...] } }` made of strings only, else undefined. */
function idsIn(filter: Filter): string[] | undefined {
  const condition = filter._id;
  if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) return;
  const keys = Object.keys(condition);
  const list = (condition as { $in?: unknown }).$in;
  if (keys.length !== 1 || !Array.isArray(list)) return;
  return list.every((id) => typeof id === 'string') ? (list as string[]) : undefined;
}
