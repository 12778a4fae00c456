import type { Response } from 'express';

/** A streaming client that takes no data for this long is cut off. */
export const STREAM_STALL_MS = 30_000;

/**
 * Resolves once the socket takes more data, or the client has gone. A client that stops reading
 * for `stallMs` is disconnected, so that a slow or stalled reader cannot hold a long export (and
 * the store reads behind it) open forever.
 */
export function drainedOrClosed(response: Response, stallMs = STREAM_STALL_MS): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      response.destroy(new Error(`client read nothing for ${stallMs} ms`));
    }, stallMs);
    const done = () => {
      clearTimeout(timer);
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}
