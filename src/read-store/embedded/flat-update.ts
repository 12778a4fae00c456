import type { ReadDocument, UpdateDocument } from '../read-store.port';

/** A top-level field other than `_id`: no path, no operator. */
function isFlatField(key: string): boolean {
  return key !== '_id' && !key.startsWith('$') && !key.includes('.');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What mingo's default "copy" clone mode stores for a `$set` value. */
function copied(value: unknown): unknown {
  if (Array.isArray(value)) return value.slice();
  if (isPlainObject(value)) return Object.assign({}, value);
  return value;
}

/**
 * Applies `$set` and `$max` of top-level fields in place, as mingo would, and says whether it did:
 * false (the document untouched) for anything else, which mingo then applies. `$max` is taken
 * only between numbers, or onto a field the document lacks, where ordering across BSON types
 * cannot come in. Why at all: mingo builds its operator context on every call, and the feed's
 * checkpoint saves, one such update per consumer per batch, spent more time there than in SQLite.
 */
export function applyFlatUpdate(document: ReadDocument, change: UpdateDocument): boolean {
  const operators = Object.keys(change);
  if (operators.some((operator) => operator !== '$set' && operator !== '$max')) return false;
  const { $set = {}, $max = {} } = change;
  if (!isPlainObject($set) || !isPlainObject($max)) return false;
  const fields = new Set<string>();
  for (const key of [...Object.keys($set), ...Object.keys($max)]) {
    // A field named by both operators is a conflict that mingo reports.
    if (!isFlatField(key) || fields.has(key)) return false;
    fields.add(key);
  }
  for (const [key, value] of Object.entries($max)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) return false;
    const current = document[key];
    const absent = current === undefined && !(key in document);
    if (!absent && (typeof current !== 'number' || !Number.isFinite(current))) return false;
  }
  for (const [key, value] of Object.entries($set)) document[key] = copied(value);
  for (const [key, value] of Object.entries($max) as [string, number][]) {
    const current = document[key] as number | undefined;
    if (current === undefined || value > current) document[key] = value;
  }
  return true;
}
