import { Logger } from '@nestjs/common';
import type { Response } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A streaming client that takes no data for this long is cut off. */
export const STREAM_STALL_MS = 30_000;

export interface StreamedExport<T> {
  /** Media type, without parameters; `charset=utf-8` is added. */
  contentType: string;
  /** Further answer headers, such as Content-Disposition or X-Next-Cursor. */
  headers?: Record<string, string>;
  /** Written before the first record: a CSV header line, say. */
  preamble?: string;
  pages: AsyncIterable<readonly T[]>;
  /** One record as text, line end included. */
  render: (record: T) => string;
  /** At most this many records are written. */
  limit?: number;
  stallMs?: number;
}

const logger = new Logger('StreamedExport');

/**
 * Streams pages of records through `stream.pipeline`, so the socket's back-pressure paces the
 * reading: one rendered page waits ahead at most, the next is pulled only once the socket took the
 * last, and a client that disconnects (or reads nothing for `stallMs`) ends the pulling, which
 * stops the source's reads too.
 *
 * A failure before the first page propagates, so the caller answers with a problem. After it the
 * connection is cut without the closing chunk: a truncated export cannot pass for a whole one.
 */
export async function streamExport<T>(
  response: Response,
  exported: StreamedExport<T>,
): Promise<void> {
  const { limit = Infinity, stallMs = STREAM_STALL_MS } = exported;
  const pages = exported.pages[Symbol.asyncIterator]();
  const first = await pages.next();

  response.status(200).setHeader('Content-Type', `${exported.contentType}; charset=utf-8`);
  for (const [name, value] of Object.entries(exported.headers ?? {}))
    response.setHeader(name, value);

  let stall: NodeJS.Timeout | undefined;
  // Armed while a chunk waits for the socket (and while the last one flushes), cleared on each pull.
  const waitForClient = () => {
    clearTimeout(stall);
    stall = setTimeout(
      () => response.destroy(new Error(`client read nothing for ${stallMs} ms`)),
      stallMs,
    );
  };
  const chunks = async function* (): AsyncGenerator<string> {
    try {
      let remaining = limit;
      if (exported.preamble) {
        waitForClient();
        yield exported.preamble;
      }
      for (let page = first; !page.done && remaining > 0; page = await pages.next()) {
        const records = page.value.length > remaining ? page.value.slice(0, remaining) : page.value;
        remaining -= records.length;
        if (records.length === 0) continue;
        waitForClient();
        yield records.map(exported.render).join('');
      }
    } finally {
      waitForClient();
      await pages.return?.();
    }
  };

  try {
    await pipeline(Readable.from(chunks(), { highWaterMark: 1 }), response);
  } catch (error) {
    // A client that went away is not a failure of ours; the source has stopped all the same.
    if ((error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') {
      logger.error(`export cut short: ${error instanceof Error ? error.message : String(error)}`);
    }
  } finally {
    clearTimeout(stall);
  }
}
