import { PageCursor, PageLimit } from '../../http/dto/paging.decorators';

export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;

/** Paging shared by the history endpoints. */
export class HistoryPage {
  @PageLimit(
    MAX_PAGE_SIZE,
    DEFAULT_PAGE_SIZE,
    'Page size; with Accept: application/x-ndjson, the most lines to stream',
  )
  limit?: number;

  @PageCursor()
  cursor?: string;
}
