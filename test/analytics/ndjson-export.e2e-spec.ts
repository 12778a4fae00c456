import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { EventEnvelope } from '../../src/event-store/event-envelope';
import type { EventStore } from '../../src/event-store/event-store.port';
import type { HttpClient } from '../../harness/http-client';
import { type RunningLedger } from '../support/ledger-app';
import { removeDataDir } from '../../harness/data-dir';
import { openedEmbeddedStore } from '../support/opened-embedded-store';
import { allPages, newEvent, startAnalyticsLedger } from './analytics-support';
import { logPages } from '../../src/history/log-pages';

// The server runs in this process, so its heap is this heap: measured after a full collection,
// it shows what the export holds on to. `gc` is made available without a command-line flag.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const STREAMS = 20;
const PER_STREAM = 5000;
const TOTAL = STREAMS * PER_STREAM;
/**
 * The export writes ~45 MB. Held in memory as strings or envelopes it would take 45-150 MB; an
 * export that reads a page, writes it and waits for the socket holds a page or two (~1 MB) plus
 * socket buffers. 24 MB leaves room for the collector's timing while catching either mistake.
 */
const HEAP_GROWTH_BOUND = 24 * 1024 * 1024;
/**
 * Pages (of ~450 kB) an export may read ahead of a client that does not read: loopback socket
 * buffers in the kernel take several MB before the server's write reports a full buffer. Far
 * below the 100 reads of the whole export.
 */
const STALL_READ_BOUND = 30;

function heap(): number {
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

function openExport(
  ledger: RunningLedger,
  token: string,
  path = '/events',
): Promise<{ req: ClientRequest; res: IncomingMessage }> {
  const url = new URL(`${ledger.baseUrl}${path}`);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { agent: false, headers: { accept: 'application/x-ndjson', authorization: token } },
      (res) => resolve({ req, res }),
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * Counts the server's readAll calls. Not a jest spy: a spy keeps every result it saw, which here
 * would be every page of the export, and the heap would measure the spy.
 */
function countReads(store: EventStore) {
  const original = store.readAll;
  let calls = 0;
  store.readAll = function (this: EventStore, ...args) {
    calls++;
    return original.apply(this, args);
  };
  return {
    get calls() {
      return calls;
    },
    restore: () => {
      store.readAll = original;
    },
  };
}

/** The store's events in order, one page at a time, from a second reader of the same file. */
async function* expectedEvents(store: EventStore): AsyncGenerator<EventEnvelope> {
  for await (const page of logPages(store, 0)) yield* page;
}

describe('NDJSON export of 100k events', () => {
  let ledger: RunningLedger;
  let analyst: HttpClient;
  let token: string;
  let reader: EventStore;

  beforeAll(async () => {
    // The api role alone: no projection runs beside the export, so the heap is the export's.
    ({ ledger, analyst, analystToken: token } = await startAnalyticsLedger({ role: 'api' }));
    for (let s = 0; s < STREAMS; s++) {
      const streamId = `load-${String(s).padStart(2, '0')}`;
      const events = Array.from({ length: PER_STREAM }, (_, n) =>
        newEvent('LoadTested', { n, note: `event ${n} of ${streamId}`.padEnd(64, '.') }),
      );
      await ledger.openedEventStore.append(streamId, events, 'no-stream');
    }
    expect(await ledger.openedEventStore.headPosition()).toBe(TOTAL);
    reader = openedEmbeddedStore(ledger.dataDir);
  }, 120_000);
  afterAll(async () => {
    await reader.close();
    await ledger.stop();
    removeDataDir(ledger.dataDir);
  });
  let reads: ReturnType<typeof countReads>;
  beforeEach(() => (reads = countReads(ledger.eventStore)));
  afterEach(() => reads.restore());

  it('streams every event with flat memory, and the lines parse back to the same events', async () => {
    const before = heap();
    const { res } = await openExport(ledger, token);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');

    // A client that does not read for a while: the server must wait for it, not read ahead.
    res.pause();
    await sleep(500);
    const readsWhileStalled = reads.calls;
    await sleep(500);
    expect(reads.calls).toBe(readsWhileStalled);
    const whileStalled = heap() - before;

    const expected = expectedEvents(reader);
    let count = 0;
    let mismatches = 0;
    let lastPosition = 0;
    let peak = whileStalled;
    let rest = '';
    res.setEncoding('utf8');
    for await (const chunk of res as AsyncIterable<string>) {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        const event = JSON.parse(line) as EventEnvelope;
        const want = (await expected.next()).value as EventEnvelope;
        if (JSON.stringify(event) !== JSON.stringify(want)) mismatches++;
        if (event.position <= lastPosition) mismatches++;
        lastPosition = event.position;
        if (++count % 10_000 === 0) peak = Math.max(peak, heap() - before);
      }
    }
    expect(rest).toBe('');
    expect((await expected.next()).done).toBe(true);
    console.error(
      `export of ${count}: ${readsWhileStalled} reads and heap growth ${mb(whileStalled)} ` +
        `while stalled, peak growth ${mb(peak)}`,
    );
    expect({ count, mismatches }).toEqual({ count: TOTAL, mismatches: 0 });

    // Stalled, it had read only what the socket buffers hold (the kernel's take a few MB on
    // loopback), then waited; it went on as the client read, page by page to the head.
    expect(readsWhileStalled).toBeLessThan(STALL_READ_BOUND);
    expect(reads.calls).toBe(TOTAL / 1000);
    expect(peak).toBeLessThan(HEAP_GROWTH_BOUND);
  }, 120_000);

  it('stops reading the store when the client disconnects mid-export', async () => {
    const { req, res } = await openExport(ledger, token);
    let received = 0;
    await new Promise<void>((resolve) => {
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > 100_000) {
          req.destroy();
          resolve();
        }
      });
    });
    await sleep(300);
    const atDisconnect = reads.calls;
    await sleep(1000);
    expect(reads.calls).toBe(atDisconnect);
    // A whole export takes 100 reads; this one stopped once the socket buffers were full.
    expect(atDisconnect).toBeGreaterThan(0);
    expect(atDisconnect).toBeLessThan(STALL_READ_BOUND);
    expect((await analyst.get('/events?limit=1')).status).toBe(200);
  });

  it('bounds the work of one JSON page under a selective filter, and misses nothing', async () => {
    const first = await analyst.get('/events?streamPrefix=load-19&limit=10');
    // load-19 holds the last 5000 positions: one request scans 20k events, finds none, says where
    // to go on.
    expect(first.body.items).toEqual([]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    expect(reads.calls).toBe(20);

    const { items, requests } = await allPages(analyst, '/events?streamPrefix=load-19&limit=1000');
    const want: EventEnvelope[] = [];
    for await (const event of expectedEvents(reader)) {
      if (event.streamId === 'load-19') want.push(event);
    }
    expect(items.length).toBe(PER_STREAM);
    expect(items).toEqual(want);
    // Four requests each scan 20k events without a match, the fifth finds the first 1000 (and the
    // 1001st, so it knows there is more), and four more pages of 1000 end the stream.
    expect(requests).toBe(9);
  }, 60_000);
});

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
