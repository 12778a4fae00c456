import { eventually } from '../support/eventually';
import { httpClient } from '../../harness/http-client';
import { foldLedger } from '../support/ledger-fold';
import { type LedgerProcess, startLedgerProcess } from '../../harness/ledger-process';
import { removeDataDir } from '../../harness/data-dir';
import { splitStack } from '../../harness/split-stack';

describe('api, relay and projector as separate processes over Kafka and MongoDB', () => {
  const stack = splitStack('pipeline');
  const processes: LedgerProcess[] = [];

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGTERM')));
    removeDataDir(stack.dataDir);
  });

  it('carries commands through to the read models, with read-your-writes across processes', async () => {
    const [api, relay, projector] = await Promise.all([
      stack.start('api'),
      stack.start('relay'),
      stack.start('projector'),
    ]);
    processes.push(api, relay, projector);
    const http = httpClient(api.url);

    for (const accountId of ['p-a', 'p-b', 'p-c']) {
      const opened = await http.post('/accounts', { ownerId: 'pat', currency: 'EUR', accountId });
      expect(opened.status).toBe(201);
      const deposit = await http.post(`/accounts/${accountId}/deposits`, { amount: 1000 });
      // Read-your-writes: the api waits on checkpoints the projector wrote to MongoDB.
      const seen = await http.get(`/accounts/${accountId}?consistentWith=${deposit.body.position}`);
      expect(seen.status).toBe(200);
      expect(seen.body.balance).toBe(1000);
    }

    const transfers = await Promise.all(
      [
        ['p-a', 'p-b', 300],
        ['p-b', 'p-c', 500],
        ['p-c', 'p-a', 2000],
      ].map(([fromAccountId, toAccountId, amount]) =>
        http.post('/transfers', { fromAccountId, toAccountId, amount }),
      ),
    );
    const outcomes = await Promise.all(
      transfers.map((accepted) =>
        eventually(async () => {
          const transfer = await http.get(`/transfers/${accepted.body.transferId}`);
          expect(['completed', 'failed']).toContain(transfer.body.status);
          return transfer.body.status;
        }, 30_000),
      ),
    );
    expect(outcomes).toEqual(['completed', 'completed', 'failed']);

    const store = stack.openEventStore();
    try {
      const fold = await foldLedger(store);
      expect(fold.inFlight).toBe(0);
      expect(fold.total).toBe(fold.external);
      const head = await store.headPosition();
      const listed = await http.get(`/accounts?ownerId=pat&consistentWith=${head}`);
      expect(listed.status).toBe(200);
      for (const account of listed.body.items) {
        expect(account.balance).toBe(fold.balances.get(account.accountId));
      }
      expect(listed.body.items).toHaveLength(3);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('refuses combinations that cannot work, naming the setting', async () => {
    await expect(
      startLedgerProcess({
        DATA_DIR: stack.dataDir,
        LEDGER_ROLE: 'relay',
        TRANSPORT: 'in-process',
      }),
    ).rejects.toThrow(/Invalid setting LEDGER_ROLE: relay needs TRANSPORT=kafka/);
  }, 60_000);
});
