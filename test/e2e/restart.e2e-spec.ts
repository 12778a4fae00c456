import { ConsumerHost } from '../../src/subscriptions/consumer-host';
import { eventually } from '../support/eventually';
import { apiClient } from '../../harness/http-client';
import { eventCount } from '../support/ledger-fold';
import { startLedger } from '../support/ledger-app';
import { removeDataDir, tempDataDir } from '../../harness/data-dir';

describe('restart on the same data folder', () => {
  const dataDir = tempDataDir();
  afterAll(() => removeDataDir(dataDir));

  it('keeps every event and read model and resumes projections from their checkpoints', async () => {
    const first = await startLedger(dataDir);
    let api = apiClient(first.baseUrl);
    const kept = { path: { id: 'kept' } };
    await api.POST('/accounts', { body: { ownerId: 'o', currency: 'EUR', accountId: 'kept' } });
    const last = await api.POST('/accounts/{id}/deposits', { params: kept, body: { amount: 42 } });
    await api.GET('/accounts/{id}', {
      params: { ...kept, query: { consistentWith: last.data!.position } },
    });
    const events = await eventCount(first.eventStore);
    const head = await first.eventStore.headPosition();
    await first.stop();

    const second = await startLedger(dataDir);
    api = apiClient(second.baseUrl);
    try {
      expect(await eventCount(second.eventStore)).toBe(events);
      // Projections start where they stopped: nothing is handed to them again.
      const statuses = await eventually(async () => {
        const running = second.app.get(ConsumerHost).status();
        expect(running.map((s) => s.state)).toEqual(running.map(() => 'running'));
        return running;
      });
      expect(statuses.length).toBe(4);
      for (const status of statuses) expect(status.resumedFrom).toBe(head);

      const summary = await api.GET('/accounts/{id}', { params: kept });
      expect(summary.data).toMatchObject({ balance: 42, revision: 1 });
      const more = await api.POST('/accounts/{id}/deposits', { params: kept, body: { amount: 8 } });
      expect(more.data!.revision).toBe(2);
      const after = await api.GET('/accounts/{id}', {
        params: { ...kept, query: { consistentWith: more.data!.position } },
      });
      expect(after.data!.balance).toBe(50);
      const transactions = await api.GET('/accounts/{id}/transactions', { params: kept });
      expect(transactions.data!.items.map((t) => t.amount)).toEqual([8, 42]);
    } finally {
      await second.stop();
    }
  });
});
