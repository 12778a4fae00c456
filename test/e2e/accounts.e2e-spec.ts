import type { components } from '../../client/ledgerline-client';
import { eventCount } from '../support/ledger-fold';
import { ledgerAndApiForSuite } from '../support/ledger-app';

type OpenAccountBody = components['schemas']['OpenAccountDto'];

describe('accounts over HTTP', () => {
  const suite = ledgerAndApiForSuite({ consistencyTimeoutMs: 1000 });

  async function openAccount(body: Partial<OpenAccountBody> = {}) {
    const answer = await suite.api.POST('/accounts', {
      body: { ownerId: 'alice', currency: 'EUR', ...body },
    });
    expect(answer.response.status).toBe(201);
    return { ...answer, data: answer.data! };
  }

  const deposit = (id: string, amount: number, header?: Record<string, string>) =>
    suite.api.POST('/accounts/{id}/deposits', {
      params: { path: { id }, header },
      body: { amount },
    });
  const withdraw = (id: string, amount: number) =>
    suite.api.POST('/accounts/{id}/withdrawals', { params: { path: { id } }, body: { amount } });
  const close = (id: string) =>
    suite.api.POST('/accounts/{id}/close', { params: { path: { id } } });
  const account = (id: string, consistentWith?: number) =>
    suite.api.GET('/accounts/{id}', { params: { path: { id }, query: { consistentWith } } });
  const transactions = (id: string, query: { limit?: number; cursor?: string } = {}) =>
    suite.api.GET('/accounts/{id}/transactions', { params: { path: { id }, query } });

  it('opens an account and answers with its stream, revision, position and ETag', async () => {
    const { data: opened, response } = await openAccount({ overdraftLimit: 100 });
    expect(opened).toEqual({
      accountId: expect.any(String),
      streamId: `account-${opened.accountId}`,
      revision: 0,
      position: expect.any(Number),
    });
    expect(response.headers.get('etag')).toBe('"0"');
    expect(response.headers.get('location')).toBe(`/accounts/${opened.accountId}`);

    const read = await account(opened.accountId, opened.position);
    expect(read.response.status).toBe(200);
    expect(read.data).toEqual({
      accountId: opened.accountId,
      ownerId: 'alice',
      currency: 'EUR',
      balance: 0,
      overdraftLimit: 100,
      status: 'open',
      openedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updatedAt: expect.any(String),
      revision: 0,
      position: opened.position,
    });
  });

  it('deposits, withdraws within the overdraft, lists transactions newest first', async () => {
    const { data: opened } = await openAccount({ overdraftLimit: 50, accountId: 'acc-moves' });
    expect(opened.accountId).toBe('acc-moves');
    const deposited = await suite.api.POST('/accounts/{id}/deposits', {
      params: { path: { id: 'acc-moves' } },
      body: { amount: 1000, reference: 'salary' },
    });
    expect(deposited.response.status).toBe(200);
    expect(deposited.data).toMatchObject({ accountId: 'acc-moves', revision: 1 });
    expect(deposited.response.headers.get('etag')).toBe('"1"');
    const withdrawal = await withdraw('acc-moves', 1050);
    expect(withdrawal.response.status).toBe(200);
    expect(withdrawal.data!.revision).toBe(2);

    const refused = await withdraw('acc-moves', 1);
    expect(refused.response.status).toBe(422);
    expect(refused.error).toMatchObject({ status: 422, code: 'INSUFFICIENT_FUNDS' });
    expect(refused.response.headers.get('content-type')).toContain('application/problem+json');

    const summary = await account('acc-moves', withdrawal.data!.position);
    expect(summary.data).toMatchObject({ balance: -50, revision: 2 });

    const listed = await transactions('acc-moves');
    expect(listed.response.status).toBe(200);
    expect(listed.data!.items).toEqual([
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
    expect(listed.data!.nextCursor).toBeNull();
  });

  it('pages transactions with a cursor', async () => {
    await openAccount({ accountId: 'acc-pages' });
    let position = 0;
    for (let i = 1; i <= 5; i++) {
      position = (await deposit('acc-pages', i)).data!.position;
    }
    const first = await suite.api.GET('/accounts/{id}/transactions', {
      params: { path: { id: 'acc-pages' }, query: { limit: 2, consistentWith: position } },
    });
    expect(first.data!.items.map((t) => t.amount)).toEqual([5, 4]);
    const second = await transactions('acc-pages', { limit: 2, cursor: first.data!.nextCursor! });
    expect(second.data!.items.map((t) => t.amount)).toEqual([3, 2]);
    const third = await transactions('acc-pages', { limit: 2, cursor: second.data!.nextCursor! });
    expect(third.data!.items.map((t) => t.amount)).toEqual([1]);
    expect(third.data!.nextCursor).toBeNull();
    const forged = await transactions('acc-pages', { cursor: 'not-a-cursor' });
    expect(forged.response.status).toBe(400);
    expect(forged.error!.code).toBe('INVALID_CURSOR');
  });

  it('lists accounts by owner and status, paged', async () => {
    const ids = ['own-a', 'own-b', 'own-c'];
    let position = 0;
    for (const accountId of ids) {
      position = (await openAccount({ ownerId: 'bob', accountId })).data.position;
    }
    const closed = await close('own-b');
    expect(closed.response.status).toBe(200);
    position = closed.data!.position;

    const list = (query: { status?: 'open' | 'closed'; cursor?: string; limit?: number } = {}) =>
      suite.api.GET('/accounts', { params: { query: { ownerId: 'bob', ...query } } });
    const page1 = await suite.api.GET('/accounts', {
      params: { query: { ownerId: 'bob', limit: 2, consistentWith: position } },
    });
    expect(page1.data!.items.map((a) => a.accountId)).toEqual(['own-a', 'own-b']);
    const page2 = await list({ limit: 2, cursor: page1.data!.nextCursor! });
    expect(page2.data!.items.map((a) => a.accountId)).toEqual(['own-c']);
    expect(page2.data!.nextCursor).toBeNull();

    const open = await list({ status: 'open' });
    expect(open.data!.items.map((a) => a.accountId)).toEqual(['own-a', 'own-c']);
  });

  it('closes only at zero balance, and nothing happens on a closed account', async () => {
    await openAccount({ accountId: 'acc-close' });
    await deposit('acc-close', 10);
    const notZero = await close('acc-close');
    expect(notZero.response.status).toBe(422);
    expect(notZero.error!.code).toBe('BALANCE_NOT_ZERO');
    await withdraw('acc-close', 10);
    expect((await close('acc-close')).response.status).toBe(200);
    const onClosed = await deposit('acc-close', 5);
    expect(onClosed.response.status).toBe(422);
    expect(onClosed.error!.code).toBe('ACCOUNT_CLOSED');
  });

  it('answers 404 for unknown accounts, on commands and queries', async () => {
    const command = await deposit('nobody', 5);
    expect(command.response.status).toBe(404);
    expect(command.error!.code).toBe('ACCOUNT_NOT_FOUND');
    expect((await account('nobody')).error!.code).toBe('ACCOUNT_NOT_FOUND');
    expect((await transactions('nobody')).response.status).toBe(404);
  });

  it('refuses to open the same account twice', async () => {
    await openAccount({ accountId: 'acc-twice' });
    const again = await suite.api.POST('/accounts', {
      body: { ownerId: 'alice', currency: 'EUR', accountId: 'acc-twice' },
    });
    expect(again.response.status).toBe(409);
    expect(again.error!.code).toBe('ACCOUNT_ALREADY_EXISTS');
  });

  it('refuses an unknown currency with 422', async () => {
    const answer = await suite.api.POST('/accounts', {
      body: { ownerId: 'alice', currency: 'XYZ' },
    });
    expect(answer.response.status).toBe(422);
    expect(answer.error!.code).toBe('UNSUPPORTED_CURRENCY');
  });

  describe('If-Match', () => {
    it('applies the command when the revision matches, 412 when the stream moved', async () => {
      await openAccount({ accountId: 'acc-if-match' });
      const ok = await deposit('acc-if-match', 5, { 'If-Match': '"0"' });
      expect(ok.response.status).toBe(200);
      const before = await eventCount(suite.ledger.eventStore);
      const stale = await deposit('acc-if-match', 5, { 'If-Match': '"0"' });
      expect(stale.response.status).toBe(412);
      expect(stale.error!.code).toBe('REVISION_MISMATCH');
      expect(await eventCount(suite.ledger.eventStore)).toBe(before);
    });

    it('rejects a malformed If-Match', async () => {
      await openAccount({ accountId: 'acc-bad-if-match' });
      const answer = await deposit('acc-bad-if-match', 5, { 'If-Match': 'yesterday' });
      expect(answer.response.status).toBe(400);
      expect(answer.error!.code).toBe('INVALID_IF_MATCH');
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the first answer for the same key and body, writing nothing', async () => {
      await openAccount({ accountId: 'acc-idem' });
      const key = { 'Idempotency-Key': 'deposit-acc-idem-1' };
      const first = await deposit('acc-idem', 7, key);
      const before = await eventCount(suite.ledger.eventStore);
      const again = await deposit('acc-idem', 7, key);
      expect(again.response.status).toBe(first.response.status);
      expect(again.data).toEqual(first.data);
      expect(again.response.headers.get('etag')).toBe(first.response.headers.get('etag'));
      expect(again.response.headers.get('idempotent-replayed')).toBe('true');
      expect(await eventCount(suite.ledger.eventStore)).toBe(before);
      const summary = await account('acc-idem', first.data!.position);
      expect(summary.data!.balance).toBe(7);
    });

    it('answers 409 for the same key with another body', async () => {
      await openAccount({ accountId: 'acc-idem-2' });
      const key = { 'Idempotency-Key': 'deposit-acc-idem-2' };
      await deposit('acc-idem-2', 7, key);
      const before = await eventCount(suite.ledger.eventStore);
      const other = await deposit('acc-idem-2', 8, key);
      expect(other.response.status).toBe(409);
      expect(other.error!.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await eventCount(suite.ledger.eventStore)).toBe(before);
    });

    it('opens one account for concurrent requests with the same key', async () => {
      const answers = await Promise.all(
        Array.from({ length: 5 }, () =>
          suite.api.POST('/accounts', {
            params: { header: { 'Idempotency-Key': 'open-concurrently' } },
            body: { ownerId: 'carol', currency: 'USD' },
          }),
        ),
      );
      expect(new Set(answers.map((a) => a.response.status))).toEqual(new Set([201]));
      expect(new Set(answers.map((a) => a.data!.accountId)).size).toBe(1);
      const events = await suite.ledger.eventStore.readStream(
        `account-${answers[0].data!.accountId}`,
      );
      expect(events).toHaveLength(1);
    });
  });

  it('echoes the caller correlation id and stores it in the event metadata', async () => {
    const answer = await suite.api.POST('/accounts', {
      params: { header: { 'X-Correlation-Id': 'corr-123' } },
      body: { ownerId: 'dave', currency: 'EUR' },
    });
    expect(answer.response.headers.get('x-correlation-id')).toBe('corr-123');
    const [event] = await suite.ledger.openedEventStore.readStream(answer.data!.streamId);
    expect(event.metadata).toEqual({
      actor: { subject: 'staff', roles: ['teller', 'analyst', 'auditor', 'admin'] },
      correlationId: 'corr-123',
      causationId: event.metadata.commandId,
      commandId: expect.any(String),
    });
    const generated = await suite.api.GET('/health');
    expect(generated.response.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 503 when read models cannot reach the asked position in time', async () => {
    const answer = await suite.api.GET('/accounts', {
      params: { query: { consistentWith: 999999999 } },
    });
    expect(answer.response.status).toBe(503);
    expect(answer.error!.code).toBe('CONSISTENCY_TIMEOUT');
  });

  it('serves liveness and the OpenAPI description', async () => {
    expect((await suite.api.GET('/health')).data).toEqual({ status: 'ok' });
    const openapi = await fetch(`${suite.ledger.baseUrl}/docs/openapi.json`);
    expect(openapi.status).toBe(200);
    const document = (await openapi.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/accounts',
        '/accounts/{id}',
        '/accounts/{id}/deposits',
        '/accounts/{id}/withdrawals',
        '/accounts/{id}/close',
        '/accounts/{id}/overdraft-limit',
        '/accounts/{id}/transactions',
        '/transfers',
        '/transfers/{id}',
      ]),
    );
  });
});
