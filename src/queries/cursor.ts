import { InvalidCursorError } from './query.errors';

/** What a cursor carries, by what it counts: global positions, stream revisions, ids, read ids. */
interface CursorValues {
  position: number;
  revision: number;
  id: string;
  read: string;
}
export type CursorKind = keyof CursorValues;

/**
 * The one cursor codec of every paged listing. Opaque to clients; the kind is inside, so a cursor
 * from one listing is refused by a listing that counts something else.
 */
export function encodeCursor<K extends CursorKind>(kind: K, value: CursorValues[K]): string {
  return Buffer.from(JSON.stringify({ [kind]: value })).toString('base64url');
}

/** The value of a cursor this API issued for `kind`; anything else is INVALID_CURSOR. */
export function decodeCursor<K extends CursorKind>(cursor: string, kind: K): CursorValues[K] {
  let value: unknown;
  try {
    value = (
      JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>
    )[kind];
  } catch {
    throw new InvalidCursorError();
  }
  const counted = kind === 'position' || kind === 'revision';
  const valid = counted
    ? Number.isSafeInteger(value) && (value as number) >= 0
    : typeof value === 'string';
  if (!valid) throw new InvalidCursorError();
  return value as CursorValues[K];
}
