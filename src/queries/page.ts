export interface Page<T> {
  items: T[];
  /** Opaque; pass it as `cursor` to read the next page. Null on the last page. */
  nextCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 20;

export function encodeCursor(value: string | number): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Returns undefined for anything that is not a cursor we issued with a value of this type. */
export function decodeCursor<T extends 'string' | 'number'>(
  cursor: string,
  kind: T,
): (T extends 'string' ? string : number) | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return typeof value === kind ? (value as T extends 'string' ? string : number) : undefined;
  } catch {
    return undefined;
  }
}
