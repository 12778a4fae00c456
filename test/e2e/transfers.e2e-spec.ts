import { eventually } from '../support/eventually';
import { eventCount, foldLedger } from '../support/ledger-fold';
import { ledgerAndApiForSuite } from '../support/ledger-app';

describe('transfers over HTTP', () => {
  // The settle checks poll every transfer at once: no rate limit may answer them instead.
  const suite = ledgerAndApiForSuite({ rateLimit: { perSubject: 1e6, perAddress: 1e6 } });

  const path = (id: string) => ({ params: { path: { id } } });

  async function account(accountId: string, balance: number, currency = 'EUR') {
    const opened = await suite.api.POST('/accounts', {
      body: { ownerId: 'o', currency, accountId },
    });
    expect(opened.response.status).toBe(201);
    if (balance > 0) {
      await suite.api.POST('/accounts/{id}/deposits', {
        ...path(accountId),
        body: { amount: balance },
      });
    }
  }

  function transfer(
    fromAccountId: string,
    toAccountId: string,
    amount: number,
    reference?: string,
  ) {
    return suite.api.POST('/transfers', {
      body: { fromAccountId, toAccountId, amount, reference },
    });
  }

  /** Settled within `timeoutMs`: the process manager works through a backlog a few lanes at a time. */
  async function settled(transferId: string, timeoutMs?: number) {
    return eventually(async () => {
      const { data } = await suite.api.GET('/transfers/{id}', path(transferId));
      expect(['completed', 'failed']).toContain(data?.status);
      return data!;
    }, timeoutMs);
  }

  async function balanceOf(accountId: string) {
    const consistentWith = await suite.ledger.eventStore.headPosition();
    const { data } = await suite.api.GET('/accounts/{id}', {
      params: { path: { id: accountId }, query: { consistentWith } },
    });
    return data!.balance;
  }

  async function kindsOf(accountId: string) {
    const { data } = await suite.api.GET('/accounts/{id}/transactions', path(accountId));
    return data!.items;
  }

  it('moves money from one account to another', async () => {
    await account('t-src', 100);
    await account('t-dst', 0);
    const accepted = await transfer('t-src', 't-dst', 60, 'rent');
    expect(accepted.response.status).toBe(202);
    expect(accepted.data).toMatchObject({ transferId: expect.any(String), status: 'requested' });
    const transferId = accepted.data!.transferId;
    expect(accepted.response.headers.get('location')).toBe(`/transfers/${transferId}`);

    expect(await settled(transferId)).toMatchObject({
      status: 'completed',
      fromAccountId: 't-src',
      toAccountId: 't-dst',
      amount: 60,
      currency: 'EUR',
      reference: 'rent',
    });
    expect(await balanceOf('t-src')).toBe(40);
    expect(await balanceOf('t-dst')).toBe(60);
    expect((await kindsOf('t-src'))[0]).toMatchObject({
      kind: 'transfer-out',
      amount: -60,
      transferId,
      counterpartyAccountId: 't-dst',
    });
  });

  it('fails without moving money when the source cannot cover it', async () => {
    await account('t-poor', 10);
    await account('t-rich', 0);
    const accepted = await transfer('t-poor', 't-rich', 60);
    expect(await settled(accepted.data!.transferId)).toMatchObject({
      status: 'failed',
      failureReason: 'INSUFFICIENT_FUNDS',
      refunded: false,
    });
    expect(await balanceOf('t-poor')).toBe(10);
    expect(await balanceOf('t-rich')).toBe(0);
  });

  it('refunds the source when the destination is closed', async () => {
    await account('t-giver', 100);
    await account('t-closed', 0);
    expect((await suite.api.POST('/accounts/{id}/close', path('t-closed'))).response.status).toBe(
      200,
    );
    const accepted = await transfer('t-giver', 't-closed', 30);
    expect(accepted.response.status).toBe(202);
    expect(await settled(accepted.data!.transferId)).toMatchObject({
      status: 'failed',
      failureReason: 'ACCOUNT_CLOSED',
      refunded: true,
    });
    expect(await balanceOf('t-giver')).toBe(100);
    const kinds = (await kindsOf('t-giver')).map((t) => t.kind);
    expect(kinds.slice(0, 2)).toEqual(['transfer-refund', 'transfer-out']);
    // The refund settled the debit, so the source can empty and close.
    await suite.api.POST('/accounts/{id}/withdrawals', {
      ...path('t-giver'),
      body: { amount: 100 },
    });
    expect((await suite.api.POST('/accounts/{id}/close', path('t-giver'))).response.status).toBe(
      200,
    );
  });

  it('refuses transfers it can judge at once, writing nothing', async () => {
    await account('t-eur', 100);
    await account('t-usd', 0, 'USD');
    const before = await eventCount(suite.ledger.eventStore);
    const mismatch = await transfer('t-eur', 't-usd', 1);
    expect(mismatch.response.status).toBe(422);
    expect(mismatch.error!.code).toBe('CURRENCY_MISMATCH');
    const same = await transfer('t-eur', 't-eur', 1);
    expect(same.response.status).toBe(422);
    expect(same.error!.code).toBe('SAME_ACCOUNT_TRANSFER');
    const unknown = await transfer('t-eur', 'nobody', 1);
    expect(unknown.response.status).toBe(404);
    expect(unknown.error!.code).toBe('ACCOUNT_NOT_FOUND');
    expect(await eventCount(suite.ledger.eventStore)).toBe(before);
    const missing = await suite.api.GET('/transfers/{id}', path('nothing-here'));
    expect(missing.response.status).toBe(404);
  });

  it('conserves money across many concurrent transfers in both directions', async () => {
    await account('t-ping', 1000);
    await account('t-pong', 1000);
    const requests = Array.from({ length: 40 }, (_, i) =>
      transfer(i % 2 ? 't-ping' : 't-pong', i % 2 ? 't-pong' : 't-ping', 75),
    );
    const accepted = await Promise.all(requests);
    expect(new Set(accepted.map((a) => a.response.status))).toEqual(new Set([202]));
    // 40 transfers queue up about 160 sequential steps: allow for a slow machine.
    await Promise.all(accepted.map((a) => settled(a.data!.transferId, 60_000)));
    const fold = await foldLedger(suite.ledger.eventStore);
    expect(fold.inFlight).toBe(0);
    expect(fold.total).toBe(fold.external);
    expect((await balanceOf('t-ping')) + (await balanceOf('t-pong'))).toBe(2000);
  }, 90_000);
});
