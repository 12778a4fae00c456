import express, { type Response } from 'express';
import type { AddressInfo } from 'node:net';
import { request as httpRequest, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { streamExport, type StreamedExport } from './streamed-export';

/** A real server whose one route runs `streamExport` with what the test hands it. */
async function serving(exported: () => StreamedExport<number>) {
  const outcome: { error?: unknown; done?: Promise<void> } = {};
  const app = express();
  app.get('/', (_request, response: Response) => {
    outcome.done = streamExport(response, exported()).catch((error: unknown) => {
      outcome.error = error;
      response.status(500).end('problem');
    });
  });
  const server: Server = await new Promise((resolve) => {
    const started = app.listen(0, '127.0.0.1', () => resolve(started));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    });
  return { url, outcome, close };
}

async function* pagesOf(...pages: number[][]): AsyncGenerator<number[]> {
  for (const page of pages) yield page;
}

const line = (n: number) => `${n}\n`;

describe('streaming an export', () => {
  it('writes the headers, the preamble and every record, up to the limit', async () => {
    const server = await serving(() => ({
      contentType: 'text/csv',
      headers: { 'X-Next-Cursor': 'abc' },
      preamble: 'n\n',
      pages: pagesOf([1, 2], [], [3, 4, 5]),
      render: line,
      limit: 4,
    }));
    const answer = await fetch(server.url);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(answer.headers.get('x-next-cursor')).toBe('abc');
    expect(await answer.text()).toBe('n\n1\n2\n3\n4\n');
    await server.close();
  });

  it('lets a failure before the first page reach the caller, which can still answer', async () => {
    const server = await serving(() => ({
      contentType: 'application/x-ndjson',
      pages: {
        [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('store down')) }),
      },
      render: line,
    }));
    const answer = await fetch(server.url);
    expect(answer.status).toBe(500);
    expect(await answer.text()).toBe('problem');
    expect((server.outcome.error as Error).message).toBe('store down');
    await server.close();
  });

  it('cuts the connection when the source fails half way, so the export cannot look whole', async () => {
    const server = await serving(() => ({
      contentType: 'application/x-ndjson',
      pages: (async function* (): AsyncGenerator<number[]> {
        yield [1];
        throw new Error('store down');
      })(),
      render: line,
    }));
    const answer = await fetch(server.url);
    await expect(answer.text()).rejects.toThrow();
    await server.close();
  });

  it('disconnects a client that reads nothing for the stall time, and stops the source', async () => {
    let pulled = 0;
    const big = 'x'.repeat(64 * 1024);
    const server = await serving(() => ({
      contentType: 'application/x-ndjson',
      pages: (async function* (): AsyncGenerator<number[]> {
        for (;;) {
          pulled++;
          yield [pulled];
        }
      })(),
      render: (n) => `${big}${n}\n`,
      stallMs: 300,
    }));
    const req = httpRequest(server.url, (res) => res.pause());
    req.on('error', () => undefined);
    req.end();
    // The server gives up on the stalled client: the export's promise settles without its help.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await server.outcome.done;
    const atGiveUp = pulled;
    await sleep(500);
    expect(pulled).toBe(atGiveUp);
    expect(pulled).toBeLessThan(1000);
    req.destroy();
    await server.close();
  }, 10_000);
});
