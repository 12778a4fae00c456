import { Logger } from '@nestjs/common';
import type { Response } from 'express';
import { drainedOrClosed } from '../http/drained-or-closed';

export const NDJSON = 'application/x-ndjson';

const logger = new Logger('NdjsonExport');

/**
 * Streams pages of records as NDJSON (one JSON document a line) with constant memory: the next
 * page is pulled only once the previous one was handed to the socket, a full socket buffer is
 * waited out ('drain'), and a client that disconnects ends the pulling, so the source stops
 * reading. At most `limit` records are written when it is given.
 *
 * A failure before the first line propagates (the caller answers with a problem); after it, the
 * connection is cut without the closing chunk, so the client cannot mistake a truncated export
 * for a whole one.
 */
export async function writeNdjson(
  response: Response,
  pages: AsyncIterable<readonly unknown[]>,
  limit = Infinity,
): Promise<void> {
  let gone = false;
  const onClose = () => {
    gone = true;
  };
  response.on('close', onClose);
  let remaining = limit;
  try {
    for await (const page of pages) {
      if (gone) break;
      if (!response.headersSent) {
        response.status(200).setHeader('Content-Type', `${NDJSON}; charset=utf-8`);
        response.flushHeaders();
      }
      const records = page.length > remaining ? page.slice(0, remaining) : page;
      remaining -= records.length;
      if (records.length > 0) {
        let chunk = '';
        for (const record of records) chunk += `${JSON.stringify(record)}\n`;
        if (!response.write(chunk)) await drainedOrClosed(response);
      }
      if (remaining <= 0 || gone) break;
    }
    if (!response.headersSent) {
      response.status(200).setHeader('Content-Type', `${NDJSON}; charset=utf-8`);
    }
    if (!gone) response.end();
  } catch (error) {
    if (!response.headersSent) throw error;
    logger.error(`export cut short: ${error instanceof Error ? error.message : String(error)}`);
    response.destroy();
  } finally {
    response.off('close', onClose);
  }
}
