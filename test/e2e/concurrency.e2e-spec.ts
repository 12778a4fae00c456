import { apiClient } from '../../harness/http-client';
import { foldLedger } from '../support/ledger-fold';
import { ledgerForSuite, type RunningLedger } from '../support/ledger-app';

describe('concurrent withdrawals on one account', () => {
  let ledger: RunningLedger;

  ledgerForSuite((started) => {
    ledger = started;
  });

  it('never overdraw it, and the read model equals the fold of the stream', async () => {
    const api = apiClient(ledger.baseUrl);
    const hot = { params: { path: { id: 'hot' } } };
    await api.POST('/accounts', { body: { ownerId: 'o', currency: 'EUR', accountId: 'hot' } });
    await api.POST('/accounts/{id}/deposits', { ...hot, body: { amount: 1000 } });

    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        api.POST('/accounts/{id}/withdrawals', { ...hot, body: { amount: 30 } }),
      ),
    );
    const statuses = answers.map((a) => a.response.status);
    const succeeded = statuses.filter((s) => s === 200).length;
    // 1000 covers 33 withdrawals of 30; every other one must be refused, none may fail oddly.
    expect(succeeded).toBe(33);
    expect(statuses.filter((s) => s === 422)).toHaveLength(17);

    const fold = await foldLedger(ledger.eventStore);
    expect(fold.balances.get('hot')).toBe(10);
    const stream = await ledger.eventStore.readStream('account-hot');
    expect(stream.map((e) => e.revision)).toEqual(stream.map((_, i) => i));
    const position = await ledger.eventStore.headPosition();
    const summary = await api.GET('/accounts/{id}', {
      params: { path: { id: 'hot' }, query: { consistentWith: position } },
    });
    expect(summary.data).toMatchObject({ balance: 10, revision: stream.length - 1 });
  });
});
