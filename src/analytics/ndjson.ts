import type { Response } from 'express';
import { streamExport } from '../http/streamed-export';

export const NDJSON = 'application/x-ndjson';

/** Pages of records as NDJSON, one JSON document a line; at most `limit` of them when given. */
export function writeNdjson(
  response: Response,
  pages: AsyncIterable<readonly unknown[]>,
  limit = Infinity,
): Promise<void> {
  return streamExport(response, {
    contentType: NDJSON,
    pages,
    render: (record) => `${JSON.stringify(record)}\n`,
    limit,
  });
}
