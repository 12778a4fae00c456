import { setTimeout as sleep } from 'node:timers/promises';
import type { Role } from '../../src/auth/roles';
import type { EventEnvelope } from '../../src/event-store/event-envelope';
import { httpClient, type HttpClient } from '../../harness/http-client';
import { type RunningLedger } from '../support/ledger-app';
import { removeDataDir } from '../../harness/data-dir';
import { allPages, getNdjson, newEvent, startAnalyticsLedger } from './analytics-support';
import { wholeLog } from '../support/whole-log';

describe('GET /events and GET /streams/{id}/events', () => {
  let ledger: RunningLedger;
  let http: HttpClient;
  let teller: HttpClient;
  let token: string;
  let log: EventEnvelope[];
  const exported = (path: string) => getNdjson(ledger.baseUrl, path, token);

  beforeAll(async () => {
    const started = await startAnalyticsLedger();
    ({ ledger, teller, analyst: http, analystToken: token } = started);
    // A small ledger's worth of history over a few distinct milliseconds.
    for (const [accountId, ownerId] of [
      ['ann-eur', 'ann'],
      ['ann-usd', 'ann'],
      ['ben-eur', 'ben'],
    ]) {
      const currency = accountId.endsWith('usd') ? 'USD' : 'EUR';
      expect((await teller.post('/accounts', { ownerId, currency, accountId })).status).toBe(201);
    }
    for (let round = 1; round <= 6; round++) {
      await teller.post('/accounts/ann-eur/deposits', {
        amount: 100 * round,
        reference: `r${round}`,
      });
      await teller.post('/accounts/ben-eur/deposits', { amount: 7 * round });
      await teller.post('/accounts/ann-usd/deposits', { amount: round });
      if (round % 2 === 0) await teller.post('/accounts/ann-eur/withdrawals', { amount: 50 });
      await sleep(3);
    }
    await teller.post('/transfers', {
      fromAccountId: 'ann-eur',
      toAccountId: 'ben-eur',
      amount: 25,
    });
    // Streams the ledger did not write: the log holds whatever was appended to it.
    await ledger.openedEventStore.append(
      'import-batch-1',
      [newEvent('TransferFailed', { transferId: 'x', reason: 'imported', refunded: false })],
      'no-stream',
    );
    // Let the transfer run to its end so that the log stands still for the comparisons.
    const transfers = () => wholeLog(ledger.openedEventStore);
    for (let i = 0; i < 100; i++) {
      if ((await transfers()).some((event) => event.type === 'TransferCompleted')) break;
      await sleep(20);
    }
    log = await wholeLog(ledger.openedEventStore);
    expect(log.some((event) => event.type === 'TransferCompleted')).toBe(true);
  });
  afterAll(async () => {
    await ledger.stop();
    removeDataDir(ledger.dataDir);
  });

  const time = (event: EventEnvelope) => Date.parse(event.recordedAt);

  /** Each filter of the API, done here over readAll, independently of the server's code. */
  function expected(filter: {
    fromPosition?: number;
    toPosition?: number;
    from?: string;
    to?: string;
    types?: string[];
    streamPrefix?: string;
  }): EventEnvelope[] {
    return log.filter(
      (event) =>
        (filter.fromPosition === undefined || event.position >= filter.fromPosition) &&
        (filter.toPosition === undefined || event.position <= filter.toPosition) &&
        (filter.from === undefined || time(event) >= Date.parse(filter.from)) &&
        (filter.to === undefined || time(event) <= Date.parse(filter.to)) &&
        (filter.types === undefined || filter.types.includes(event.type)) &&
        (filter.streamPrefix === undefined || event.streamId.startsWith(filter.streamPrefix)),
    );
  }

  it('answers the whole log in position order, paged by a cursor', async () => {
    const { items, requests } = await allPages(http, '/events?limit=7');
    expect(items).toEqual(log);
    expect(requests).toBe(Math.ceil(log.length / 7));
    const first = await http.get('/events');
    expect(first.body).toEqual({ items: log.slice(0, 100), nextCursor: null });
  });

  it('returns exactly the events each filter selects, in order, on every page size', async () => {
    const middle = log[Math.floor(log.length / 3)];
    const later = log[Math.floor((log.length * 2) / 3)];
    const cases: [string, Parameters<typeof expected>[0]][] = [
      ['types=MoneyDeposited,MoneyWithdrawn', { types: ['MoneyDeposited', 'MoneyWithdrawn'] }],
      ['types=MoneyWithdrawn&types=AccountOpened', { types: ['MoneyWithdrawn', 'AccountOpened'] }],
      ['streamPrefix=account-ann', { streamPrefix: 'account-ann' }],
      ['streamPrefix=transfer-', { streamPrefix: 'transfer-' }],
      ['streamPrefix=import-', { streamPrefix: 'import-' }],
      ['fromPosition=5&toPosition=20', { fromPosition: 5, toPosition: 20 }],
      ['fromPosition=0', { fromPosition: 0 }],
      [`toPosition=${log.length + 100}`, { toPosition: log.length + 100 }],
      [`fromPosition=${log.length + 1}`, { fromPosition: log.length + 1 }],
      [
        `from=${middle.recordedAt}&to=${later.recordedAt}`,
        { from: middle.recordedAt, to: later.recordedAt },
      ],
      [`to=${middle.recordedAt}`, { to: middle.recordedAt }],
      [
        // The same instant in another zone selects the same events.
        `from=${offsetForm(middle.recordedAt)}`,
        { from: middle.recordedAt },
      ],
      [
        `types=MoneyDeposited&streamPrefix=account-ann-e&from=${middle.recordedAt}&toPosition=${later.position}`,
        {
          types: ['MoneyDeposited'],
          streamPrefix: 'account-ann-e',
          from: middle.recordedAt,
          toPosition: later.position,
        },
      ],
      [
        'types=TransferCompleted&streamPrefix=account-',
        { types: ['TransferCompleted'], streamPrefix: 'account-' },
      ],
    ];
    for (const [query, filter] of cases) {
      const want = expected(filter);
      for (const limit of [1, 4, 1000]) {
        const { items } = await allPages(http, `/events?${query}&limit=${limit}`);
        expect({ query, limit, positions: items.map((e) => e.position) }).toEqual({
          query,
          limit,
          positions: want.map((e) => e.position),
        });
        expect(items).toEqual(want);
      }
      const streamed = await exported(`/events?${query}`);
      expect(streamed.lines.map((line) => JSON.parse(line))).toEqual(want);
    }
    // Sanity: the cases are not all trivially empty or whole.
    expect(expected(cases[0][1]).length).toBeGreaterThan(10);
    expect(expected(cases[0][1]).length).toBeLessThan(log.length);
  });

  it('streams NDJSON when asked, and caps it at an explicit limit', async () => {
    const all = await exported('/events');
    expect(all.status).toBe(200);
    expect(all.contentType).toBe('application/x-ndjson; charset=utf-8');
    expect(all.text.endsWith('\n')).toBe(true);
    expect(all.lines.map((line) => JSON.parse(line))).toEqual(log);

    const capped = await exported('/events?types=MoneyDeposited&limit=5');
    expect(capped.lines.map((line) => JSON.parse(line))).toEqual(
      expected({ types: ['MoneyDeposited'] }).slice(0, 5),
    );
    const resumed = await exported(
      `/events?cursor=${(await http.get('/events?limit=10')).body.nextCursor}`,
    );
    expect(resumed.lines.map((line) => JSON.parse(line))).toEqual(log.slice(10));

    const none = await exported('/events?streamPrefix=nothing-here');
    expect(none).toMatchObject({ status: 200, text: '' });
    expect(none.contentType).toBe('application/x-ndjson; charset=utf-8');
  });

  it('reads one stream forwards and backwards from a revision', async () => {
    const stream = log.filter((event) => event.streamId === 'account-ann-eur');
    expect(stream.length).toBeGreaterThan(8);

    const forwards = await http.get('/streams/account-ann-eur/events?limit=4');
    expect(forwards.body).toEqual({ items: stream.slice(0, 4), nextFromRevision: 4 });
    const next = await http.get('/streams/account-ann-eur/events?limit=4&fromRevision=4');
    expect(next.body).toEqual({ items: stream.slice(4, 8), nextFromRevision: 8 });
    const rest = await http.get('/streams/account-ann-eur/events?fromRevision=8');
    expect(rest.body).toEqual({ items: stream.slice(8), nextFromRevision: null });

    const newest = await http.get('/streams/account-ann-eur/events?direction=backwards&limit=3');
    expect(newest.body).toEqual({
      items: stream.slice(-3).reverse(),
      nextFromRevision: stream.length - 4,
    });
    const older = await http.get(
      '/streams/account-ann-eur/events?direction=backwards&fromRevision=2',
    );
    expect(older.body).toEqual({ items: stream.slice(0, 3).reverse(), nextFromRevision: null });

    const beyond = await http.get('/streams/account-ann-eur/events?fromRevision=999');
    expect(beyond.body).toEqual({ items: [], nextFromRevision: null });
    const unknown = await http.get('/streams/account-nobody/events');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('STREAM_NOT_FOUND');
  });

  it.each([
    ['/events?limit=0', ['limit']],
    ['/events?fromPosition=', ['fromPosition']],
    ['/events?limit=1001', ['limit']],
    ['/events?limit=ten', ['limit']],
    ['/events?fromPosition=-1', ['fromPosition']],
    ['/events?fromPosition=1.5', ['fromPosition']],
    ['/events?fromPosition=9&toPosition=3', ['toPosition']],
    ['/events?from=2026-11-05', ['from']],
    ['/events?from=2026-11-05T10:00:00', ['from']],
    ['/events?from=2026-02-30T10:00:00Z', ['from']],
    ['/events?from=yesterday', ['from']],
    ['/events?from=2026-11-05T10:00:00Z&to=2026-11-05T09:59:59Z', ['to']],
    ['/events?types=MoneyDeposited,Nope', ['types']],
    ['/events?types=', ['types']],
    ['/events?streamPrefix=has%20space', ['streamPrefix']],
    ['/events?streamPrefix=', ['streamPrefix']],
    ['/events?extra=1', ['extra']],
    ['/streams/account-ann-eur/events?direction=sideways', ['direction']],
    ['/streams/account-ann-eur/events?fromRevision=-2&limit=5000', ['fromRevision', 'limit']],
  ])('refuses %s with VALIDATION_FAILED naming %p', async (path, fields) => {
    const answer = await http.get(path);
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('VALIDATION_FAILED');
    expect(answer.body.errors.map((e: { field: string }) => e.field)).toEqual(fields);
  });

  it('serves analysts and auditors only', async () => {
    const as = (...roles: Role[]) => httpClient(ledger.baseUrl, { subject: 'someone', roles });
    expect((await as('auditor').get('/events?limit=1')).status).toBe(200);
    for (const path of ['/events', '/streams/account-ann-eur/events']) {
      expect((await as('client').get(path)).status).toBe(403);
      expect((await as('teller', 'admin').get(path)).status).toBe(403);
      expect((await httpClient(ledger.baseUrl, null).get(path)).status).toBe(401);
    }
  });

  it('refuses cursors it did not issue and malformed stream ids', async () => {
    for (const cursor of ['not-a-cursor', Buffer.from('"text"').toString('base64url')]) {
      const answer = await http.get(`/events?cursor=${cursor}`);
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('INVALID_CURSOR');
    }
    const streamed = await exported('/events?cursor=nope');
    expect(streamed.status).toBe(400);
    expect(JSON.parse(streamed.text).code).toBe('INVALID_CURSOR');
    const badId = await http.get('/streams/bad%20id/events');
    expect(badId.status).toBe(400);
    expect(badId.body.code).toBe('INVALID_STREAM_ID');
  });
});

/** 2026-11-05T10:00:00.000Z as 2026-11-05T12:00:00.000+02:00. */
function offsetForm(iso: string): string {
  const shifted = new Date(Date.parse(iso) + 2 * 3600_000).toISOString();
  return encodeURIComponent(shifted.replace('Z', '+02:00'));
}
