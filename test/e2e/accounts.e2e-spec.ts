import { httpClient, type HttpClient } from '../support/http-client';
import { eventCount } from '../support/ledger-fold';
import { removeDataDir, type RunningLedger, startLedger } from '../support/ledger-app';

describe('accounts over HTTP', () => {
  let ledger: RunningLedger;
  let http: HttpClient;

  beforeAll(async () => {
    ledger = await startLedger(undefined, { consistencyTimeoutMs: 1000 });
    http = httpClient(ledger.baseUrl);
  });
  afterAll(async () => {
    await ledger.stop();
    removeDataDir(ledger.dataDir);
  });

  async function openAccount(body: Record<string, unknown> = {}) {
    const answer = await http.post('/accounts', { ownerId: 'alice', currency: 'EUR', ...body });
    expect(answer.status).toBe(201);
    return answer;
  }

  it('opens an account and answers with its stream, revision, position and ETag', async () => {
    const answer = await openAccount({ overdraftLimit: 100 });
    expect(answer.body).toEqual({
      accountId: expect.any(String),
      streamId: `account-${answer.body.accountId}`,
      revision: 0,
      position: expect.any(Number),
    });
    expect(answer.headers.get('etag')).toBe('"0"');
    expect(answer.headers.get('location')).toBe(`/accounts/${answer.body.accountId}`);

    const read = await http.get(
      `/accounts/${answer.body.accountId}?consistentWith=${answer.body.position}`,
    );
    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      accountId: answer.body.accountId,
      ownerId: 'alice',
      currency: 'EUR',
      balance: 0,
      overdraftLimit: 100,
      status: 'open',
      openedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updatedAt: expect.any(String),
      revision: 0,
      position: answer.body.position,
    });
  });

  it('deposits, withdraws within the overdraft, lists transactions newest first', async () => {
    const { body: opened } = await openAccount({ overdraftLimit: 50, accountId: 'acc-moves' });
    expect(opened.accountId).toBe('acc-moves');
    const deposit = await http.post('/accounts/acc-moves/deposits', {
      amount: 1000,
      reference: 'salary',
    });
    expect(deposit.status).toBe(200);
    expect(deposit.body).toMatchObject({ accountId: 'acc-moves', revision: 1 });
    expect(deposit.headers.get('etag')).toBe('"1"');
    const withdrawal = await http.post('/accounts/acc-moves/withdrawals', { amount: 1050 });
    expect(withdrawal.status).toBe(200);
    expect(withdrawal.body.revision).toBe(2);

    const refused = await http.post('/accounts/acc-moves/withdrawals', { amount: 1 });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ status: 422, code: 'INSUFFICIENT_FUNDS' });
    expect(refused.headers.get('content-type')).toContain('application/problem+json');

    const summary = await http.get(
      `/accounts/acc-moves?consistentWith=${withdrawal.body.position}`,
    );
    expect(summary.body).toMatchObject({ balance: -50, revision: 2 });

    const transactions = await http.get('/accounts/acc-moves/transactions');
    expect(transactions.status).toBe(200);
    expect(transactions.body.items).toEqual([
      expect.objectContaining({
        kind: 'withdrawal',
        amount: -1050,
        balanceAfter: -50,
        revision: 2,
      }),
      expect.objectContaining({
        kind: 'deposit',
        amount: 1000,
        balanceAfter: 1000,
        reference: 'salary',
        revision: 1,
      }),
    ]);
    expect(transactions.body.nextCursor).toBeNull();
  });

  it('pages transactions with a cursor', async () => {
    await openAccount({ accountId: 'acc-pages' });
    let last;
    for (let i = 1; i <= 5; i++) {
      last = await http.post('/accounts/acc-pages/deposits', { amount: i });
    }
    const first = await http.get(
      `/accounts/acc-pages/transactions?limit=2&consistentWith=${last!.body.position}`,
    );
    expect(first.body.items.map((t: { amount: number }) => t.amount)).toEqual([5, 4]);
    const second = await http.get(
      `/accounts/acc-pages/transactions?limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.items.map((t: { amount: number }) => t.amount)).toEqual([3, 2]);
    const third = await http.get(
      `/accounts/acc-pages/transactions?limit=2&cursor=${second.body.nextCursor}`,
    );
    expect(third.body.items.map((t: { amount: number }) => t.amount)).toEqual([1]);
    expect(third.body.nextCursor).toBeNull();
    const forged = await http.get('/accounts/acc-pages/transactions?cursor=not-a-cursor');
    expect(forged.status).toBe(400);
    expect(forged.body.code).toBe('INVALID_CURSOR');
  });

  it('lists accounts by owner and status, paged', async () => {
    const ids = ['own-a', 'own-b', 'own-c'];
    let position = 0;
    for (const accountId of ids) {
      position = (await openAccount({ ownerId: 'bob', accountId })).body.position;
    }
    const closed = await http.post('/accounts/own-b/close');
    expect(closed.status).toBe(200);
    position = closed.body.position;

    const page1 = await http.get(`/accounts?ownerId=bob&limit=2&consistentWith=${position}`);
    expect(page1.body.items.map((a: { accountId: string }) => a.accountId)).toEqual([
      'own-a',
      'own-b',
    ]);
    const page2 = await http.get(`/accounts?ownerId=bob&limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items.map((a: { accountId: string }) => a.accountId)).toEqual(['own-c']);
    expect(page2.body.nextCursor).toBeNull();

    const open = await http.get('/accounts?ownerId=bob&status=open');
    expect(open.body.items.map((a: { accountId: string }) => a.accountId)).toEqual([
      'own-a',
      'own-c',
    ]);
  });

  it('closes only at zero balance, and nothing happens on a closed account', async () => {
    await openAccount({ accountId: 'acc-close' });
    await http.post('/accounts/acc-close/deposits', { amount: 10 });
    const notZero = await http.post('/accounts/acc-close/close');
    expect(notZero.status).toBe(422);
    expect(notZero.body.code).toBe('BALANCE_NOT_ZERO');
    await http.post('/accounts/acc-close/withdrawals', { amount: 10 });
    expect((await http.post('/accounts/acc-close/close')).status).toBe(200);
    const deposit = await http.post('/accounts/acc-close/deposits', { amount: 5 });
    expect(deposit.status).toBe(422);
    expect(deposit.body.code).toBe('ACCOUNT_CLOSED');
  });

  it('answers 404 for unknown accounts, on commands and queries', async () => {
    const command = await http.post('/accounts/nobody/deposits', { amount: 5 });
    expect(command.status).toBe(404);
    expect(command.body.code).toBe('ACCOUNT_NOT_FOUND');
    expect((await http.get('/accounts/nobody')).body.code).toBe('ACCOUNT_NOT_FOUND');
    expect((await http.get('/accounts/nobody/transactions')).status).toBe(404);
  });

  it('refuses to open the same account twice', async () => {
    await openAccount({ accountId: 'acc-twice' });
    const again = await http.post('/accounts', {
      ownerId: 'alice',
      currency: 'EUR',
      accountId: 'acc-twice',
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('ACCOUNT_ALREADY_EXISTS');
  });

  it('refuses an unknown currency with 422', async () => {
    const answer = await http.post('/accounts', { ownerId: 'alice', currency: 'XYZ' });
    expect(answer.status).toBe(422);
    expect(answer.body.code).toBe('UNSUPPORTED_CURRENCY');
  });

  describe('If-Match', () => {
    it('applies the command when the revision matches, 412 when the stream moved', async () => {
      await openAccount({ accountId: 'acc-if-match' });
      const ok = await http.post(
        '/accounts/acc-if-match/deposits',
        { amount: 5 },
        { 'if-match': '"0"' },
      );
      expect(ok.status).toBe(200);
      const before = await eventCount(ledger.eventStore);
      const stale = await http.post(
        '/accounts/acc-if-match/deposits',
        { amount: 5 },
        { 'if-match': '"0"' },
      );
      expect(stale.status).toBe(412);
      expect(stale.body.code).toBe('REVISION_MISMATCH');
      expect(await eventCount(ledger.eventStore)).toBe(before);
    });

    it('rejects a malformed If-Match', async () => {
      await openAccount({ accountId: 'acc-bad-if-match' });
      const answer = await http.post(
        '/accounts/acc-bad-if-match/deposits',
        { amount: 5 },
        { 'if-match': 'yesterday' },
      );
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('INVALID_IF_MATCH');
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the first answer for the same key and body, writing nothing', async () => {
      await openAccount({ accountId: 'acc-idem' });
      const key = { 'idempotency-key': 'deposit-acc-idem-1' };
      const first = await http.post('/accounts/acc-idem/deposits', { amount: 7 }, key);
      const before = await eventCount(ledger.eventStore);
      const again = await http.post('/accounts/acc-idem/deposits', { amount: 7 }, key);
      expect(again.status).toBe(first.status);
      expect(again.body).toEqual(first.body);
      expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(await eventCount(ledger.eventStore)).toBe(before);
      const summary = await http.get(`/accounts/acc-idem?consistentWith=${first.body.position}`);
      expect(summary.body.balance).toBe(7);
    });

    it('answers 409 for the same key with another body', async () => {
      await openAccount({ accountId: 'acc-idem-2' });
      const key = { 'idempotency-key': 'deposit-acc-idem-2' };
      await http.post('/accounts/acc-idem-2/deposits', { amount: 7 }, key);
      const before = await eventCount(ledger.eventStore);
      const other = await http.post('/accounts/acc-idem-2/deposits', { amount: 8 }, key);
      expect(other.status).toBe(409);
      expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await eventCount(ledger.eventStore)).toBe(before);
    });

    it('opens one account for concurrent requests with the same key', async () => {
      const key = { 'idempotency-key': 'open-concurrently' };
      const answers = await Promise.all(
        Array.from({ length: 5 }, () =>
          http.post('/accounts', { ownerId: 'carol', currency: 'USD' }, key),
        ),
      );
      expect(new Set(answers.map((a) => a.status))).toEqual(new Set([201]));
      expect(new Set(answers.map((a) => a.body.accountId)).size).toBe(1);
      const events = await ledger.eventStore.readStream(`account-${answers[0].body.accountId}`);
      expect(events).toHaveLength(1);
    });
  });

  it('echoes the caller correlation id and stores it in the event metadata', async () => {
    const answer = await http.post(
      '/accounts',
      { ownerId: 'dave', currency: 'EUR' },
      { 'x-correlation-id': 'corr-123' },
    );
    expect(answer.headers.get('x-correlation-id')).toBe('corr-123');
    const [event] = await ledger.eventStore.readStream(answer.body.streamId);
    expect(event.metadata).toEqual({
      actor: { subject: 'staff', roles: ['teller', 'analyst', 'auditor', 'admin'] },
      correlationId: 'corr-123',
      causationId: event.metadata.commandId,
      commandId: expect.any(String),
    });
    const generated = await http.get('/health');
    expect(generated.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 503 when read models cannot reach the asked position in time', async () => {
    const answer = await http.get('/accounts?consistentWith=999999999');
    expect(answer.status).toBe(503);
    expect(answer.body.code).toBe('CONSISTENCY_TIMEOUT');
  });

  it('serves liveness and the OpenAPI description', async () => {
    expect((await http.get('/health')).body).toEqual({ status: 'ok' });
    const openapi = await http.get('/docs/openapi.json');
    expect(openapi.status).toBe(200);
    expect(Object.keys(openapi.body.paths)).toEqual(
      expect.arrayContaining([
        '/accounts',
        '/accounts/{id}',
        '/accounts/{id}/deposits',
        '/accounts/{id}/withdrawals',
        '/accounts/{id}/close',
        '/accounts/{id}/transactions',
        '/transfers',
        '/transfers/{id}',
      ]),
    );
  });
});
