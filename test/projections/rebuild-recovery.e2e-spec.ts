import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { PROJECTIONS } from '../../projections';
import { SqliteEventStore } from '../../src/event-store/embedded/sqlite-event-store';
import type { NewEvent } from '../../src/event-store/event-envelope';
import { UpcastingEventStore } from '../../src/event-store/upcasting-event-store';
import { SqliteReadStore } from '../../src/read-store/embedded/sqlite-read-store';
import { projectionVersions, rebuildRecords } from '../../src/projecting/projection-rebuilds';
import { eventually } from '../support/eventually';
import { httpClient } from '../../harness/http-client';
import { startLedger } from '../support/ledger-app';
import { removeDataDir, tempDataDir } from '../../harness/data-dir';
import { startLedgerProcess } from '../../harness/ledger-process';
import { logPages } from '../../src/history/log-pages';

/** The test polls far faster than any client should. */
const UNLIMITED = { RATE_LIMIT_PER_SUBJECT: '1000000', RATE_LIMIT_PER_ADDRESS: '1000000' };

const metadata = {
  actor: { subject: 'seed', roles: [] },
  correlationId: 'seed',
  causationId: 'seed',
  commandId: 'seed',
};
const event = (type: string, data: unknown): NewEvent => ({
  eventId: randomUUID(),
  type,
  schemaVersion: 2,
  data,
  metadata,
});

/** Writes accounts with many deposits straight into the event store file. */
async function seed(dataDir: string, accounts: number, depositsEach: number) {
  const store = new SqliteEventStore({ file: join(dataDir, 'events.sqlite') });
  for (let a = 0; a < accounts; a++) {
    const events = [
      event('AccountOpened', {
        accountId: `s-${a}`,
        ownerId: 'seed',
        currency: 'EUR',
        overdraftLimit: 0,
      }),
      ...Array.from({ length: depositsEach }, (_, d) =>
        event('MoneyDeposited', { amount: 1, balanceAfter: d + 1, channel: 'api' }),
      ),
    ];
    await store.append(`account-s-${a}`, events, 'no-stream');
  }
  await store.close();
}

async function readModelsEqualFreshFold(dataDir: string) {
  const store = new UpcastingEventStore(
    new SqliteEventStore({ file: join(dataDir, 'events.sqlite') }),
  );
  const readStore = new SqliteReadStore({ file: join(dataDir, 'read-models.sqlite') });
  try {
    for (const projection of PROJECTIONS) {
      const folded = new Map<string, unknown>();
      for await (const events of logPages(store, 0, { pageSize: 2000 })) {
        for (const e of events.filter((e) => projection.handles.includes(e.type))) {
          const id = projection.documentId(e);
          folded.set(id, projection.evolve((folded.get(id) as never) ?? null, e));
        }
      }
      const stored = await readStore.collection(projection.collection).find({});
      expect(stored.length).toBe(folded.size);
      for (const document of stored) expect(document).toEqual(folded.get(document._id));
    }
  } finally {
    await store.close();
    await readStore.close();
  }
}

describe('rebuild recovery', () => {
  it('resumes a rebuild after kill -9 and ends equal to a fresh fold', async () => {
    const dataDir = tempDataDir();
    try {
      await seed(dataDir, 60, 400);
      let ledger = await startLedgerProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...UNLIMITED });
      const http = () => httpClient(ledger.url);
      const head = 60 * 401;
      await eventually(async () => {
        const summary = await http().get(`/accounts/s-0?consistentWith=${head}`);
        expect(summary.status).toBe(200);
      }, 60_000);
      expect((await http().post('/projections/account-summary/rebuild')).status).toBe(202);
      // Watched straight in the read store file, to kill it while the shadow is half built.
      const watcher = new SqliteReadStore({ file: join(dataDir, 'read-models.sqlite') });
      try {
        await eventually(async () => {
          const record = await rebuildRecords(watcher).findOne({ _id: 'account-summary' });
          expect(record?.state).toBe('running');
          expect(record?.position).toBeGreaterThan(0);
        }, 30_000);
      } finally {
        await watcher.close();
      }
      await ledger.kill('SIGKILL');

      ledger = await startLedgerProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...UNLIMITED });
      await eventually(async () => {
        const listed = await http().get('/projections');
        expect(listed.body.every((p: { status: string }) => p.status === 'live')).toBe(true);
      }, 60_000);
      expect((await http().get('/accounts/s-7')).body.balance).toBe(400);
      await ledger.kill('SIGTERM');
      await readModelsEqualFreshFold(dataDir);
    } finally {
      removeDataDir(dataDir);
    }
  }, 240_000);

  it('rebuilds a projection whose code version changed, before its live consumer resumes', async () => {
    const dataDir = tempDataDir();
    try {
      await seed(dataDir, 5, 20);
      const first = await startLedger(dataDir);
      await httpClient(first.baseUrl).get(`/accounts/s-0?consistentWith=${5 * 21}`);
      // As if the live model had been built by an older version of the projection's code.
      await projectionVersions(first.readStore).replaceOne(
        { _id: 'account-transactions' },
        { _id: 'account-transactions', version: 0 },
        { upsert: true },
      );
      await first.readStore.collection('account_transactions').deleteMany({ accountId: 's-1' });
      await first.stop();

      const second = await startLedger(dataDir);
      try {
        await eventually(async () => {
          const version = await projectionVersions(second.readStore).findOne({
            _id: 'account-transactions',
          });
          expect(version?.version).toBe(
            PROJECTIONS.find((p) => p.name === 'account-transactions')!.version,
          );
        }, 30_000);
        const listed = await httpClient(second.baseUrl).get('/accounts/s-1/transactions?limit=100');
        expect(listed.body.items).toHaveLength(20);
      } finally {
        await second.stop();
      }
      await readModelsEqualFreshFold(dataDir);
    } finally {
      removeDataDir(dataDir);
    }
  }, 120_000);
});
