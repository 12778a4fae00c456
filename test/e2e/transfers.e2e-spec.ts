import { eventually } from '../support/eventually';
import { httpClient, type HttpClient } from '../support/http-client';
import { eventCount, foldLedger } from '../support/ledger-fold';
import { removeDataDir, type RunningLedger, startLedger } from '../support/ledger-app';

describe('transfers over HTTP', () => {
  let ledger: RunningLedger;
  let http: HttpClient;

  beforeAll(async () => {
    ledger = await startLedger();
    http = httpClient(ledger.baseUrl);
  });
  afterAll(async () => {
    await ledger.stop();
    removeDataDir(ledger.dataDir);
  });

  async function account(accountId: string, balance: number, currency = 'EUR') {
    expect((await http.post('/accounts', { ownerId: 'o', currency, accountId })).status).toBe(201);
    if (balance > 0) {
      await http.post(`/accounts/${accountId}/deposits`, { amount: balance });
    }
  }

  async function settled(transferId: string) {
    return eventually(async () => {
      const answer = await http.get(`/transfers/${transferId}`);
      expect(['completed', 'failed']).toContain(answer.body.status);
      return answer.body;
    });
  }

  async function balanceOf(accountId: string) {
    const position = await ledger.eventStore.headPosition();
    return (await http.get(`/accounts/${accountId}?consistentWith=${position}`)).body.balance;
  }

  it('moves money from one account to another', async () => {
    await account('t-src', 100);
    await account('t-dst', 0);
    const accepted = await http.post('/transfers', {
      fromAccountId: 't-src',
      toAccountId: 't-dst',
      amount: 60,
      reference: 'rent',
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ transferId: expect.any(String), status: 'requested' });
    expect(accepted.headers.get('location')).toBe(`/transfers/${accepted.body.transferId}`);

    const transfer = await settled(accepted.body.transferId);
    expect(transfer).toMatchObject({
      status: 'completed',
      fromAccountId: 't-src',
      toAccountId: 't-dst',
      amount: 60,
      currency: 'EUR',
      reference: 'rent',
    });
    expect(await balanceOf('t-src')).toBe(40);
    expect(await balanceOf('t-dst')).toBe(60);
    const out = await http.get('/accounts/t-src/transactions');
    expect(out.body.items[0]).toMatchObject({
      kind: 'transfer-out',
      amount: -60,
      transferId: accepted.body.transferId,
      counterpartyAccountId: 't-dst',
    });
  });

  it('fails without moving money when the source cannot cover it', async () => {
    await account('t-poor', 10);
    await account('t-rich', 0);
    const accepted = await http.post('/transfers', {
      fromAccountId: 't-poor',
      toAccountId: 't-rich',
      amount: 60,
    });
    const transfer = await settled(accepted.body.transferId);
    expect(transfer).toMatchObject({
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
    expect((await http.post('/accounts/t-closed/close')).status).toBe(200);
    const accepted = await http.post('/transfers', {
      fromAccountId: 't-giver',
      toAccountId: 't-closed',
      amount: 30,
    });
    expect(accepted.status).toBe(202);
    const transfer = await settled(accepted.body.transferId);
    expect(transfer).toMatchObject({
      status: 'failed',
      failureReason: 'ACCOUNT_CLOSED',
      refunded: true,
    });
    expect(await balanceOf('t-giver')).toBe(100);
    const kinds = (await http.get('/accounts/t-giver/transactions')).body.items.map(
      (t: { kind: string }) => t.kind,
    );
    expect(kinds.slice(0, 2)).toEqual(['transfer-refund', 'transfer-out']);
    // The refund settled the debit, so the source can empty and close.
    await http.post('/accounts/t-giver/withdrawals', { amount: 100 });
    expect((await http.post('/accounts/t-giver/close')).status).toBe(200);
  });

  it('refuses transfers it can judge at once, writing nothing', async () => {
    await account('t-eur', 100);
    await account('t-usd', 0, 'USD');
    const before = await eventCount(ledger.eventStore);
    const mismatch = await http.post('/transfers', {
      fromAccountId: 't-eur',
      toAccountId: 't-usd',
      amount: 1,
    });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.code).toBe('CURRENCY_MISMATCH');
    const same = await http.post('/transfers', {
      fromAccountId: 't-eur',
      toAccountId: 't-eur',
      amount: 1,
    });
    expect(same.status).toBe(422);
    expect(same.body.code).toBe('SAME_ACCOUNT_TRANSFER');
    const unknown = await http.post('/transfers', {
      fromAccountId: 't-eur',
      toAccountId: 'nobody',
      amount: 1,
    });
    expect(unknown.status).toBe(404);
    expect(await eventCount(ledger.eventStore)).toBe(before);
    expect((await http.get('/transfers/nothing-here')).status).toBe(404);
  });

  it('conserves money across many concurrent transfers in both directions', async () => {
    await account('t-ping', 1000);
    await account('t-pong', 1000);
    const requests = Array.from({ length: 40 }, (_, i) =>
      http.post('/transfers', {
        fromAccountId: i % 2 ? 't-ping' : 't-pong',
        toAccountId: i % 2 ? 't-pong' : 't-ping',
        amount: 75,
      }),
    );
    const accepted = await Promise.all(requests);
    expect(new Set(accepted.map((a) => a.status))).toEqual(new Set([202]));
    await Promise.all(accepted.map((a) => settled(a.body.transferId)));
    const fold = await foldLedger(ledger.eventStore);
    expect(fold.inFlight).toBe(0);
    expect(fold.total).toBe(fold.external);
    expect((await balanceOf('t-ping')) + (await balanceOf('t-pong'))).toBe(2000);
  });
});
