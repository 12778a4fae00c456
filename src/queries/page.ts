export interface Page<T> {
  items: T[];
  /** Opaque; pass it as `cursor` to read the next page. Null on the last page. */
  nextCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 20;
