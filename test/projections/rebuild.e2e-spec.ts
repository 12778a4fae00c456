import { PROJECTIONS } from '../../projections';
import type { ProjectedDocument } from '../../src/projecting/projection';
import type { EventStore } from '../../src/event-store/event-store.port';
import type { ReadStore } from '../../src/read-store/read-store.port';
import { eventually } from '../support/eventually';
import { httpClient, type HttpClient } from '../../harness/http-client';
import { type RunningLedger, startLedger } from '../support/ledger-app';
import { removeDataDir } from '../../harness/data-dir';
import { logPages } from '../../src/history/log-pages';

/** Each read model folded afresh from the whole log, the way the test expects it to be. */
async function freshFold(store: EventStore) {
  const folded = new Map<string, Map<string, ProjectedDocument>>();
  for (const projection of PROJECTIONS) folded.set(projection.name, new Map());
  for await (const events of logPages(store, 0)) {
    for (const event of events) {
      for (const projection of PROJECTIONS) {
        if (!projection.handles.includes(event.type)) continue;
        const documents = folded.get(projection.name)!;
        const id = projection.documentId(event);
        documents.set(id, projection.evolve(documents.get(id) ?? null, event));
      }
    }
  }
  return folded;
}

async function expectEqualToFreshFold(store: EventStore, readStore: ReadStore) {
  const folded = await freshFold(store);
  for (const projection of PROJECTIONS) {
    const stored = await readStore.collection(projection.collection).find({}, { sort: { _id: 1 } });
    const expected = [...folded.get(projection.name)!.values()].sort((a, b) =>
      a._id < b._id ? -1 : 1,
    );
    expect({ [projection.name]: stored }).toEqual({ [projection.name]: expected });
  }
}

describe('rebuilding a projection with zero downtime', () => {
  let ledger: RunningLedger;
  let http: HttpClient;

  beforeAll(async () => {
    ledger = await startLedger(undefined, { rateLimit: { perSubject: 1e6, perAddress: 1e6 } });
    http = httpClient(ledger.baseUrl);
    for (let i = 0; i < 20; i++) {
      await http.post('/accounts', { ownerId: 'r', currency: 'EUR', accountId: `rb-${i}` });
    }
    // Enough history that the rebuild outlasts the gap between two requests sent together, even
    // on a loaded machine: with 300 events it once finished before the second was handled.
    const senders = Array.from({ length: 10 }, async (_, sender) => {
      for (let i = sender; i < 3000; i += 10) {
        await http.post(`/accounts/rb-${i % 20}/deposits`, { amount: 1 + (i % 7) });
      }
    });
    await Promise.all(senders);
  }, 120_000);
  afterAll(async () => {
    await ledger.stop();
    removeDataDir(ledger.dataDir);
  });

  it('swaps in a rebuilt model under traffic: queries always answered, nothing applied twice', async () => {
    let traffic = true;
    const problems: string[] = [];
    const writer = (async () => {
      for (let i = 0; traffic; i++) {
        const answer = await http.post(`/accounts/rb-${i % 20}/deposits`, { amount: 1 });
        if (answer.status !== 200) problems.push(`deposit ${answer.status}`);
      }
    })();
    const reader = (async () => {
      while (traffic) {
        const one = await http.get('/accounts/rb-3');
        if (one.status !== 200) problems.push(`read ${one.status}`);
        const list = await http.get('/accounts/rb-3/transactions?limit=5');
        if (list.status !== 200 || list.body.items.length === 0) {
          problems.push(`transactions ${list.status} ${list.body.items?.length}`);
        }
      }
    })();

    // Watched from before the request, back to back: a small rebuild can finish within one poll.
    const seen = new Set<string>();
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const listed = await http.get('/projections');
        const status = listed.body.find((p: { name: string }) => p.name === 'account-transactions');
        seen.add(status.status);
      }
    })();

    // The loops stop whatever fails here, or they would outlive the app and fail the next suite.
    try {
      // Two requests at once: one starts the rebuild, the other is told one is under way.
      const answers = await Promise.all([
        http.post('/projections/account-transactions/rebuild'),
        http.post('/projections/account-transactions/rebuild'),
      ]);
      expect(answers.map((a) => a.status).sort()).toEqual([202, 409]);
      expect(answers.find((a) => a.status === 409)!.body.code).toBe('REBUILD_IN_PROGRESS');

      await eventually(async () => {
        const listed = await http.get('/projections');
        const status = listed.body.find((p: { name: string }) => p.name === 'account-transactions');
        expect(status.status).toBe('live');
        expect(seen).toContain('rebuilding');
      }, 60_000);
    } finally {
      watching = false;
      traffic = false;
      await Promise.allSettled([watcher, writer, reader]);
    }
    await Promise.all([watcher, writer, reader]);
    expect(problems).toEqual([]);

    const head = await ledger.eventStore.headPosition();
    await http.get(`/accounts/rb-0?consistentWith=${head}`);
    await expectEqualToFreshFold(ledger.eventStore, ledger.readStore);
    expect(await ledger.readStore.listCollections()).not.toContain('account_transactions__shadow');
  }, 120_000);

  it('refuses unknown projections and callers who are not admins', async () => {
    expect((await http.post('/projections/nope/rebuild')).status).toBe(404);
    const analyst = httpClient(ledger.baseUrl, { subject: 'a', roles: ['analyst'] });
    expect((await analyst.post('/projections/account-summary/rebuild')).status).toBe(403);
    expect((await analyst.get('/projections')).status).toBe(200);
  });
});
