import { httpClient, type HttpClient } from '../../harness/http-client';
import { STAFF, tokenFor } from '../../harness/tokens';
import { eventCount } from '../support/ledger-fold';
import { ledgerForSuite, type RunningLedger } from '../support/ledger-app';

describe('hostile input', () => {
  let ledger: RunningLedger;
  let http: HttpClient;

  ledgerForSuite(async (started) => {
    ledger = started;
    http = httpClient(ledger.baseUrl);
    await http.post('/accounts', { ownerId: 'alice', currency: 'EUR', accountId: 'target' });
    await http.post('/accounts/target/deposits', { amount: 100 });
  });

  const deposit = '/accounts/target/deposits';
  const badBodies: [string, string, unknown, string][] = [
    ['string amount', deposit, { amount: '100' }, 'VALIDATION_FAILED'],
    ['zero amount', deposit, { amount: 0 }, 'VALIDATION_FAILED'],
    ['negative amount', deposit, { amount: -5 }, 'VALIDATION_FAILED'],
    ['float amount', deposit, { amount: 10.5 }, 'VALIDATION_FAILED'],
    ['huge amount', deposit, '{"amount": 1e400}', 'VALIDATION_FAILED'],
    ['null amount', deposit, { amount: null }, 'VALIDATION_FAILED'],
    ['object amount', deposit, { amount: { $gt: 0 } }, 'VALIDATION_FAILED'],
    ['array amount', deposit, { amount: [5] }, 'VALIDATION_FAILED'],
    ['missing amount', deposit, {}, 'VALIDATION_FAILED'],
    ['extra field', deposit, { amount: 5, admin: true }, 'VALIDATION_FAILED'],
    ['prototype pollution', deposit, '{"amount":5,"__proto__":{"x":1}}', 'MALFORMED_JSON'],
    ['long reference', deposit, { amount: 5, reference: 'x'.repeat(141) }, 'VALIDATION_FAILED'],
    ['malformed JSON', deposit, '{"amount": 5', 'MALFORMED_JSON'],
    ['JSON array body', deposit, '[1,2]', 'VALIDATION_FAILED'],
    [
      'open: lowercase currency',
      '/accounts',
      { ownerId: 'a', currency: 'eur' },
      'VALIDATION_FAILED',
    ],
    [
      'open: operator owner',
      '/accounts',
      { ownerId: { $ne: null }, currency: 'EUR' },
      'VALIDATION_FAILED',
    ],
    [
      'open: negative overdraft',
      '/accounts',
      { ownerId: 'a', currency: 'EUR', overdraftLimit: -1 },
      'VALIDATION_FAILED',
    ],
    [
      'open: bad account id',
      '/accounts',
      { ownerId: 'a', currency: 'EUR', accountId: '../x' },
      'VALIDATION_FAILED',
    ],
    [
      'transfer: float',
      '/transfers',
      { fromAccountId: 'target', toAccountId: 'x', amount: 0.1 },
      'VALIDATION_FAILED',
    ],
    [
      'transfer: missing to',
      '/transfers',
      { fromAccountId: 'target', amount: 1 },
      'VALIDATION_FAILED',
    ],
  ];

  it.each(badBodies)('%s → 400 problem, nothing written', async (_name, path, body, code) => {
    const before = await eventCount(ledger.eventStore);
    const answer = await http.post(path, body);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ status: 400, code, type: expect.any(String) });
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(await eventCount(ledger.eventStore)).toBe(before);
  });

  it('names every bad field', async () => {
    const answer = await http.post('/accounts', { ownerId: 7, currency: 'euro', extra: 1 });
    expect(answer.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'currency',
      'extra',
      'ownerId',
    ]);
  });

  it('refuses an oversized body with 413', async () => {
    const before = await eventCount(ledger.eventStore);
    const answer = await http.post(deposit, { amount: 5, reference: 'x'.repeat(2 * 1024 * 1024) });
    expect(answer.status).toBe(413);
    expect(answer.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await eventCount(ledger.eventStore)).toBe(before);
  });

  it('refuses a body that is not UTF-8', async () => {
    const before = await eventCount(ledger.eventStore);
    const bytes = Buffer.concat([
      Buffer.from('{"amount": 5, "reference": "'),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('"}'),
    ]);
    const response = await fetch(`${ledger.baseUrl}${deposit}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await tokenFor(STAFF.subject, ...STAFF.roles)}`,
      },
      body: bytes,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('INVALID_ENCODING');
    expect(await eventCount(ledger.eventStore)).toBe(before);
  });

  it('refuses a charset other than UTF-8', async () => {
    const answer = await http.call('POST', deposit, '{"amount":5}', {
      'content-type': 'application/json; charset=latin1',
    });
    expect(answer.status).toBe(415);
  });

  const badQueries: [string, string][] = [
    ['operator in ownerId', '/accounts?ownerId[$ne]=x'],
    ['operator object via brackets', '/accounts?status[$gt]='],
    ['repeated parameter', '/accounts?ownerId=a&ownerId=b'],
    ['unknown parameter', '/accounts?where=1'],
    ['limit too large', '/accounts?limit=1000000'],
    ['limit not a number', '/accounts?limit=ten'],
    ['bad status', '/accounts?status=frozen'],
    ['consistentWith negative', '/accounts?consistentWith=-1'],
    ['consistentWith text', '/accounts/target?consistentWith=soon'],
    ['consistentWith empty', '/accounts?consistentWith='],
    ['consistentWith in exponent form', '/accounts?consistentWith=1e3'],
    ['limit in hexadecimal', '/accounts?limit=0x10'],
    ['limit empty', '/accounts?limit='],
  ];

  it.each(badQueries)('%s → 400 problem', async (_name, path) => {
    const answer = await http.get(path);
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('VALIDATION_FAILED');
  });

  it('refuses path ids outside the id alphabet', async () => {
    const answer = await http.post('/accounts/%24where/deposits', { amount: 5 });
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('INVALID_ID');
  });

  it('unknown routes are problem responses too', async () => {
    const answer = await http.get('/nowhere');
    expect(answer.status).toBe(404);
    expect(answer.body.code).toBe('ROUTE_NOT_FOUND');
  });
});
