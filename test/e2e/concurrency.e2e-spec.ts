import { httpClient } from '../support/http-client';
import { foldLedger } from '../support/ledger-fold';
import { removeDataDir, type RunningLedger, startLedger } from '../support/ledger-app';

describe('concurrent withdrawals on one account', () => {
  let ledger: RunningLedger;

  beforeAll(async () => {
    ledger = await startLedger();
  });
  afterAll(async () => {
    await ledger.stop();
    removeDataDir(ledger.dataDir);
  });

  it('never overdraw it, and the read model equals the fold of the stream', async () => {
    const http = httpClient(ledger.baseUrl);
    await http.post('/accounts', { ownerId: 'o', currency: 'EUR', accountId: 'hot' });
    await http.post('/accounts/hot/deposits', { amount: 1000 });

    const answers = await Promise.all(
      Array.from({ length: 50 }, () => http.post('/accounts/hot/withdrawals', { amount: 30 })),
    );
    const statuses = answers.map((a) => a.status);
    const succeeded = statuses.filter((s) => s === 200).length;
    // 1000 covers 33 withdrawals of 30; every other one must be refused, none may fail oddly.
    expect(succeeded).toBe(33);
    expect(statuses.filter((s) => s === 422)).toHaveLength(17);

    const fold = await foldLedger(ledger.eventStore);
    expect(fold.balances.get('hot')).toBe(10);
    const stream = await ledger.eventStore.readStream('account-hot');
    expect(stream.map((e) => e.revision)).toEqual(stream.map((_, i) => i));
    const position = await ledger.eventStore.headPosition();
    const summary = await http.get(`/accounts/hot?consistentWith=${position}`);
    expect(summary.body).toMatchObject({ balance: 10, revision: stream.length - 1 });
  });
});
