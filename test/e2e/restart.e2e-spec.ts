import { ConsumerHost } from '../../src/subscriptions/consumer-host';
import { eventually } from '../support/eventually';
import { httpClient } from '../support/http-client';
import { eventCount } from '../support/ledger-fold';
import { removeDataDir, startLedger, tempDataDir } from '../support/ledger-app';

describe('restart on the same data folder', () => {
  const dataDir = tempDataDir();
  afterAll(() => removeDataDir(dataDir));

  it('keeps every event and read model and resumes projections from their checkpoints', async () => {
    const first = await startLedger(dataDir);
    let http = httpClient(first.baseUrl);
    await http.post('/accounts', { ownerId: 'o', currency: 'EUR', accountId: 'kept' });
    const last = await http.post('/accounts/kept/deposits', { amount: 42 });
    await http.get(`/accounts/kept?consistentWith=${last.body.position}`);
    const events = await eventCount(first.eventStore);
    const head = await first.eventStore.headPosition();
    await first.stop();

    const second = await startLedger(dataDir);
    http = httpClient(second.baseUrl);
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

      const summary = await http.get('/accounts/kept');
      expect(summary.body).toMatchObject({ balance: 42, revision: 1 });
      const more = await http.post('/accounts/kept/deposits', { amount: 8 });
      expect(more.body.revision).toBe(2);
      const after = await http.get(`/accounts/kept?consistentWith=${more.body.position}`);
      expect(after.body.balance).toBe(50);
      const transactions = await http.get('/accounts/kept/transactions');
      expect(transactions.body.items.map((t: { amount: number }) => t.amount)).toEqual([8, 42]);
    } finally {
      await second.stop();
    }
  });
});
