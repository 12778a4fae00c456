import { randomUUID } from 'node:crypto';
// The updater entry point rather than the root one: the root hands every call all of mingo's
// operators to copy, which made a bulk upsert three times slower, and updates need none of them.
import { type Modifier as MingoModifier, update } from 'mingo/updater';
import type { Filter, ReadDocument, UpdateDocument } from '../read-store.port';
import { applyFlatUpdate } from './flat-update';

type Modifier = MingoModifier<Record<string, unknown>>;

// Undefined passes so that JSON.stringify leaves the field out, as the MongoDB adapter does.
const STORABLE_KINDS = new Set([
  'Object',
  'Array',
  'String',
  'Number',
  'Boolean',
  'Null',
  'Undefined',
]);

/** MongoDB reads an object whose keys start with `$` as an operator expression, not a value. */
function isOperatorExpression(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).some((key) => key.startsWith('$'))
  );
}

/**
 * The `field: value` and `field: { $eq: value }` conditions a filter requires, including those
 * inside a top-level `$and`: MongoDB seeds an upserted document from them, and any of them narrows
 * the rows a query has to look at.
 */
export function equalityFields(filter: Filter): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(value)) {
      for (const clause of value) Object.assign(fields, equalityFields(clause as Filter));
    } else if (key.startsWith('$') || value instanceof RegExp) {
      continue;
    } else if (!isOperatorExpression(value)) {
      fields[key] = value;
    } else if ('$eq' in value && !(value.$eq instanceof RegExp)) {
      fields[key] = value.$eq;
    }
  }
  return fields;
}

/**
 * Applies update operators in place with mingo. `$setOnInsert` is MongoDB's, not mingo's: it only
 * counts when the update creates the document.
 */
export function applyUpdate(document: ReadDocument, change: UpdateDocument, inserting: boolean) {
  const { $setOnInsert, ...modifier } = change;
  const effective =
    inserting && $setOnInsert
      ? { ...modifier, $set: { ...modifier.$set, ...$setOnInsert } }
      : modifier;
  if (!applyFlatUpdate(document, effective)) update(document, effective as Modifier);
}

/** The document an upsert inserts when its filter matched nothing, as MongoDB builds it. */
export function upsertDocument(filter: Filter, change: UpdateDocument): ReadDocument {
  const { _id, ...seed } = equalityFields(filter);
  // mingo refuses any $set of _id, so the seed gets its _id after the other equality fields.
  const fields: Record<string, unknown> = {};
  if (Object.keys(seed).length > 0) update(fields, { $set: seed } as Modifier);
  const document: ReadDocument = { _id: typeof _id === 'string' ? _id : randomUUID(), ...fields };
  applyUpdate(document, change, true);
  return document;
}

/** The _id a replacement upsert inserts: its own, else the filter's, else a new one. */
export function replacementId(filter: Filter, replacement: ReadDocument): string {
  const fromFilter = equalityFields(filter)._id;
  return replacement._id ?? (typeof fromFilter === 'string' ? fromFilter : randomUUID());
}

export function assertReplacement(replacement: ReadDocument): void {
  if (Object.keys(replacement).some((key) => key.startsWith('$'))) {
    throw new TypeError('A replacement document must not contain update operators');
  }
}

export function assertKeepsId(id: string, replacement: ReadDocument): void {
  if (replacement._id !== undefined && replacement._id !== id) {
    throw new Error(
      `Performing an update on the path '_id' would modify the immutable field '_id'`,
    );
  }
}

/**
 * Stores documents as JSON. Values JSON cannot carry (Date, Map, BigInt, NaN, ...) are refused
 * rather than silently turned into something else, because the MongoDB adapter would keep them as
 * BSON types and the two adapters would then answer the same query differently.
 */
export function encodeDocument(document: ReadDocument): string {
  if (typeof document._id !== 'string') throw new TypeError('A read document needs a string _id');
  return JSON.stringify(document, function (this: Record<string, unknown>, key, value: unknown) {
    const original = this[key];
    if (typeof original === 'number' && !Number.isFinite(original)) {
      throw new TypeError(`Field ${key} holds ${original}, which a read document cannot store`);
    }
    // The tag, unlike instanceof, also recognises values created in another realm.
    const kind = Object.prototype.toString.call(original).slice(8, -1);
    if (!STORABLE_KINDS.has(kind)) {
      throw new TypeError(`Field ${key} holds a ${kind}, which a read document cannot store`);
    }
    return value;
  });
}

/** `document` with `_id` set to `id` and listed first, where MongoDB keeps it. */
export function withId<T extends ReadDocument>(id: string, document: T): T {
  return Object.assign({ _id: id }, document, { _id: id });
}

export function decodeDocument<T extends ReadDocument>(raw: string): T {
  return JSON.parse(raw) as T;
}
