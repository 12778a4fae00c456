import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { httpClient, type HttpClient } from '../../harness/http-client';
import { eventCount } from '../support/ledger-fold';
import { type RunningLedger, startLedger } from '../support/ledger-app';
import { removeDataDir, tempDataDir } from '../../harness/data-dir';
import { openRaw, requestHead, trickle } from '../support/raw-connection';
import { STAFF, tokenFor } from '../../harness/tokens';

const HEADERS_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 2000;
/** Node checks deadlines once a second; a little more for a busy test machine. */
const SLACK_MS = 1000 + 1500;
const deposit = '/accounts/target/deposits';

describe('slow and hostile clients', () => {
  let ledger: RunningLedger;
  let http: HttpClient;
  let bearer: string;

  beforeAll(async () => {
    ledger = await startLedger(tempDataDir(), {
      server: {
        headersTimeoutMs: HEADERS_TIMEOUT_MS,
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
        keepAliveTimeoutMs: 5000,
        maxConnections: 1024,
      },
    });
    http = httpClient(ledger.baseUrl);
    bearer = `Bearer ${await tokenFor(STAFF.subject, ...STAFF.roles)}`;
    await http.post('/accounts', { ownerId: 'alice', currency: 'EUR', accountId: 'target' });
  });
  afterAll(async () => {
    await ledger.stop();
    removeDataDir(ledger.dataDir);
  });

  describe('deadlines', () => {
    it('cuts a body that trickles in, within the request timeout', async () => {
      const before = await eventCount(ledger.eventStore);
      const body = JSON.stringify({ amount: 5, reference: 'x'.repeat(60) });
      const connection = await openRaw(ledger.baseUrl);
      connection.socket.write(
        requestHead('POST', deposit, {
          authorization: bearer,
          'content-type': 'application/json',
          'content-length': String(body.length),
        }),
      );
      // At 200 ms a byte the body would take 15 s.
      void trickle(connection.socket, body, 200);
      const closedAfter = await connection.closed;
      expect(closedAfter).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
      expect(closedAfter).toBeLessThan(REQUEST_TIMEOUT_MS + SLACK_MS);
      expect(connection.received()).toMatch(/^HTTP\/1\.1 408 /);
      expect(await eventCount(ledger.eventStore)).toBe(before);
    });

    it('cuts headers that trickle in, within the headers timeout', async () => {
      const connection = await openRaw(ledger.baseUrl);
      void trickle(connection.socket, `GET /health HTTP/1.1\r\nx-slow: ${'y'.repeat(100)}`, 100);
      const closedAfter = await connection.closed;
      expect(closedAfter).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS);
      expect(connection.received()).toMatch(/^HTTP\/1\.1 408 /);
    });
  });

  describe('authentication before the body', () => {
    it.each([
      ['no token', {}],
      ['a bad token', { authorization: 'Bearer not.a.token' }],
    ])('answers %s with 401 without waiting for the body, and closes', async (_, headers) => {
      const before = await eventCount(ledger.eventStore);
      const connection = await openRaw(ledger.baseUrl);
      // Announces a megabyte and sends none of it: only an answer that reads nothing can come.
      connection.socket.write(
        requestHead('POST', deposit, {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(1024 * 1024),
        }),
      );
      const closedAfter = await connection.closed;
      expect(closedAfter).toBeLessThan(HEADERS_TIMEOUT_MS);
      expect(connection.received()).toMatch(/^HTTP\/1\.1 401 /);
      expect(connection.received()).toMatch(/\r\nconnection: close\r\n/i);
      expect(await eventCount(ledger.eventStore)).toBe(before);
    });
  });

  describe('bodies', () => {
    const nested = (depth: number) => `{"amount":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;

    it('refuses JSON nested 8,000 deep as 400 JSON_TOO_DEEP, in plain words', async () => {
      const before = await eventCount(ledger.eventStore);
      const answer = await http.post(deposit, nested(8000));
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({
        code: 'JSON_TOO_DEEP',
        detail: 'JSON is nested deeper than 32 levels',
      });
      expect(JSON.stringify(answer.body)).not.toMatch(/stack/i);
      expect(await eventCount(ledger.eventStore)).toBe(before);
    });

    it('parses 32 levels, and refuses 33', async () => {
      expect((await http.post(deposit, nested(32))).body.code).toBe('VALIDATION_FAILED');
      expect((await http.post(deposit, nested(33))).body.code).toBe('JSON_TOO_DEEP');
      // Brackets inside strings are text, not nesting.
      const bracketed = await http.post(deposit, { amount: 1, reference: '['.repeat(100) });
      expect(bracketed.status).toBe(200);
    });

    it.each([
      ['br', brotliCompressSync],
      ['gzip', gzipSync],
      ['deflate', deflateSync],
      ['x-unknown', (body: Buffer) => body],
    ])('answers Content-Encoding %s with 415 UNSUPPORTED_ENCODING', async (name, encode) => {
      const before = await eventCount(ledger.eventStore);
      const response = await fetch(`${ledger.baseUrl}${deposit}`, {
        method: 'POST',
        headers: {
          authorization: bearer,
          'content-type': 'application/json',
          'content-encoding': name,
        },
        body: encode(Buffer.from(JSON.stringify({ amount: 5 }))),
      });
      expect(response.status).toBe(415);
      expect(((await response.json()) as { code: string }).code).toBe('UNSUPPORTED_ENCODING');
      expect(await eventCount(ledger.eventStore)).toBe(before);
    });

    it('takes Content-Encoding identity', async () => {
      const answer = await http.post(deposit, { amount: 5 }, { 'content-encoding': 'identity' });
      expect(answer.status).toBe(200);
    });
  });
});

describe('the connection cap', () => {
  let ledger: RunningLedger;

  beforeAll(async () => {
    ledger = await startLedger(tempDataDir(), {
      server: {
        headersTimeoutMs: 10_000,
        requestTimeoutMs: 30_000,
        keepAliveTimeoutMs: 5000,
        maxConnections: 2,
      },
    });
  });
  afterAll(async () => {
    await ledger.stop();
    removeDataDir(ledger.dataDir);
  });

  it('drops connections past HTTP_MAX_CONNECTIONS, and takes new ones once one closes', async () => {
    const held = [await openRaw(ledger.baseUrl), await openRaw(ledger.baseUrl)];
    const third = await openRaw(ledger.baseUrl);
    third.socket.write(requestHead('GET', '/health', {}));
    await third.closed;
    expect(third.received()).toBe('');

    held[0].socket.destroy();
    await held[0].closed;
    // The server counts the closed connection asynchronously.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const next = await openRaw(ledger.baseUrl);
    next.socket.write(requestHead('GET', '/health', { connection: 'close' }));
    await next.closed;
    expect(next.received()).toMatch(/^HTTP\/1\.1 200 /);
    held[1].socket.destroy();
  });
});
