import { join } from 'node:path';
import { SqliteEventStore } from '../../src/event-store/embedded/sqlite-event-store';
import type { UpcastingEventStore } from '../../src/event-store/upcasting-event-store';
import type { SealingEventStore } from '../../src/privacy/sealing-event-store';
import type { HttpClient } from '../../harness/http-client';
import { type RunningLedger } from '../support/ledger-app';
import { removeDataDir } from '../../harness/data-dir';
import { allPages, newEvent, startAnalyticsLedger } from './analytics-support';
import { wholeLog } from '../support/whole-log';

/**
 * MoneyDeposited v1 had no `channel`; v2 requires it. History written before the change stays as
 * it was stored, and every reader gets it lifted to v2 by the upcasting event store.
 */
describe('history written in the old event shape', () => {
  let ledger: RunningLedger;
  let analyst: HttpClient;
  let teller: HttpClient;
  let oldHead: number;

  beforeAll(async () => {
    ({ ledger, analyst, teller } = await startAnalyticsLedger());
    // Exactly what a v1 deployment wrote (before personal fields were sealed), appended straight
    // to the store beneath the upcasting and the sealing.
    const sealing = (ledger.eventStore as UpcastingEventStore).stored as SealingEventStore;
    const appended = await sealing.underlying.append(
      'account-legacy',
      [
        newEvent('AccountOpened', {
          accountId: 'legacy',
          ownerId: 'lena',
          currency: 'EUR',
          overdraftLimit: 0,
        }),
        newEvent('MoneyDeposited', { amount: 300, balanceAfter: 300, reference: 'v1 salary' }),
        newEvent('MoneyDeposited', { amount: 200, balanceAfter: 500 }),
      ],
      'no-stream',
    );
    oldHead = appended.position;
  });
  afterAll(async () => {
    await ledger.stop();
    removeDataDir(ledger.dataDir);
  });

  it('is stored as v1, untouched', async () => {
    const raw = new SqliteEventStore({ file: join(ledger.dataDir, 'events.sqlite') });
    try {
      const stored = await raw.readStream('account-legacy', { maxCount: 3 });
      expect(stored.map((event) => [event.schemaVersion, event.data])).toEqual([
        [1, { accountId: 'legacy', ownerId: 'lena', currency: 'EUR', overdraftLimit: 0 }],
        [1, { amount: 300, balanceAfter: 300, reference: 'v1 salary' }],
        [1, { amount: 200, balanceAfter: 500 }],
      ]);
    } finally {
      await raw.close();
    }
  });

  it('feeds the read models through the upcaster', async () => {
    const summary = await teller.get(`/accounts/legacy?consistentWith=${oldHead}`);
    expect(summary.status).toBe(200);
    expect(summary.body).toMatchObject({ accountId: 'legacy', balance: 500, revision: 2 });
    const transactions = await teller.get(
      `/accounts/legacy/transactions?consistentWith=${oldHead}`,
    );
    expect(transactions.body.items).toEqual([
      expect.objectContaining({ kind: 'deposit', amount: 200, channel: 'api', revision: 2 }),
      expect.objectContaining({
        kind: 'deposit',
        amount: 300,
        channel: 'api',
        reference: 'v1 salary',
        revision: 1,
      }),
    ]);
  });

  it('answers time travel and the event history in the current shape', async () => {
    const asOfFirst = await analyst.get('/history/accounts/legacy?asOfRevision=1');
    expect(asOfFirst.body).toMatchObject({ balance: 300, asOfRevision: 1 });
    const { items } = await allPages(analyst, '/events?streamPrefix=account-legacy&limit=2');
    expect(items.map((event) => [event.schemaVersion, event.data])).toEqual([
      [1, { accountId: 'legacy', ownerId: 'lena', currency: 'EUR', overdraftLimit: 0 }],
      [2, { amount: 300, balanceAfter: 300, reference: 'v1 salary', channel: 'api' }],
      [2, { amount: 200, balanceAfter: 500, channel: 'api' }],
    ]);
    const stream = await analyst.get('/streams/account-legacy/events?direction=backwards&limit=1');
    expect(stream.body.items[0]).toMatchObject({ schemaVersion: 2, data: { channel: 'api' } });
  });

  it('takes new commands on the old history, which are written in the new shape', async () => {
    const deposit = await teller.post('/accounts/legacy/deposits', { amount: 1 });
    expect(deposit.status).toBe(200);
    expect(deposit.body.revision).toBe(3);
    const withdrawal = await teller.post('/accounts/legacy/withdrawals', { amount: 501 });
    expect(withdrawal.status).toBe(200);
    const refused = await teller.post('/accounts/legacy/withdrawals', { amount: 1 });
    expect(refused.body.code).toBe('INSUFFICIENT_FUNDS');
    const closed = await teller.post('/accounts/legacy/close', {});
    expect(closed.status).toBe(200);

    const summary = await teller.get(`/accounts/legacy?consistentWith=${closed.body.position}`);
    expect(summary.body).toMatchObject({ balance: 0, status: 'closed', revision: 5 });
    const log = await wholeLog(ledger.openedEventStore);
    const newDeposit = log.find((event) => event.position === deposit.body.position)!;
    expect(newDeposit).toMatchObject({
      type: 'MoneyDeposited',
      schemaVersion: 2,
      data: { amount: 1, balanceAfter: 501, channel: 'api' },
    });
    const asOfDeposit = await analyst.get('/history/accounts/legacy?asOfRevision=3');
    expect(asOfDeposit.body).toMatchObject({ balance: 501, status: 'open', asOfRevision: 3 });
  });
});
