import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AccountSummary,
  accountSummaryProjection,
} from '../../projections/account-summary.projection';
import type { EventEnvelope } from '../../src/event-store/event-envelope';
import type { HttpClient } from '../../harness/http-client';
import { type RunningLedger } from '../support/ledger-app';
import { removeDataDir } from '../../harness/data-dir';
import { allPages, startAnalyticsLedger } from './analytics-support';
import { wholeLog } from '../support/whole-log';

/** The read model's own fold over a list of events, done here in the test. */
function fold(events: EventEnvelope[]) {
  if (events.length === 0) return undefined;
  const { _id, ...summary } = events.reduce<AccountSummary | null>(
    (document, event) => accountSummaryProjection.evolve(document, event),
    null,
  )!;
  return { ...summary, asOfRevision: summary.revision };
}

/** Balances by account straight from the data of the events, without the projection's code. */
function balancesFrom(events: EventEnvelope[], ownerId?: string) {
  const owners = new Map<string, string>();
  const balances = new Map<string, number>();
  for (const event of events) {
    if (!event.streamId.startsWith('account-')) continue;
    const id = event.streamId.slice('account-'.length);
    const data = event.data as { ownerId?: string; balanceAfter?: number };
    if (event.type === 'AccountOpened') {
      owners.set(id, data.ownerId!);
      balances.set(id, 0);
    }
    if (data.balanceAfter !== undefined) balances.set(id, data.balanceAfter);
  }
  return [...balances]
    .filter(([id]) => ownerId === undefined || owners.get(id) === ownerId)
    .sort(([a], [b]) => (a < b ? -1 : 1));
}

/** Everything recorded up to the first event after `asOf`. */
const upTo = (events: EventEnvelope[], asOf: string) => {
  const after = events.findIndex((event) => Date.parse(event.recordedAt) > Date.parse(asOf));
  return after === -1 ? events : events.slice(0, after);
};

describe('time travel', () => {
  let ledger: RunningLedger;
  let analyst: HttpClient;
  let teller: HttpClient;
  let log: EventEnvelope[];
  let stream: EventEnvelope[];

  beforeAll(async () => {
    ({ ledger, analyst, teller } = await startAnalyticsLedger());
    const command = async (path: string, body: object) => {
      const answer = await teller.post(path, body);
      expect(answer.status).toBeLessThan(300);
      // Distinct recorded times, so that every event is a moment of its own to travel to.
      await sleep(4);
      return answer;
    };
    await command('/accounts', { ownerId: 'olga', currency: 'EUR', accountId: 'tt-olga' });
    await command('/accounts', { ownerId: 'piet', currency: 'EUR', accountId: 'tt-piet' });
    await command('/accounts/tt-olga/deposits', { amount: 10_000 });
    await command('/accounts', { ownerId: 'olga', currency: 'EUR', accountId: 'tt-olga-2' });
    await command('/accounts/tt-olga/withdrawals', { amount: 2_500 });
    await command('/accounts/tt-piet/deposits', { amount: 700 });
    await command('/accounts/tt-olga-2/deposits', { amount: 5 });
    await command('/accounts/tt-olga-2/withdrawals', { amount: 5 });
    await command('/accounts/tt-olga-2/close', {});
    const transfer = await command('/transfers', {
      fromAccountId: 'tt-olga',
      toAccountId: 'tt-piet',
      amount: 1_000,
    });
    const done = await waitForTransfer(teller, transfer.body.transferId);
    await command('/accounts/tt-olga/deposits', { amount: 1 });
    log = await wholeLog(ledger.openedEventStore);
    stream = log.filter((event) => event.streamId === 'account-tt-olga');
    expect(done).toBe('completed');
    expect(stream.map((event) => event.type)).toEqual([
      'AccountOpened',
      'MoneyDeposited',
      'MoneyWithdrawn',
      'TransferDebited',
      'TransferDebitSettled',
      'MoneyDeposited',
    ]);
  });
  afterAll(async () => {
    await ledger.stop();
    removeDataDir(ledger.dataDir);
  });

  it('answers the account as of every revision, equal to a fold of the stream up to it', async () => {
    for (const event of stream) {
      const answer = await analyst.get(`/history/accounts/tt-olga?asOfRevision=${event.revision}`);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual(fold(stream.slice(0, event.revision + 1)));
    }
    const beyond = await analyst.get('/history/accounts/tt-olga?asOfRevision=99');
    expect(beyond.body).toEqual(fold(stream));
    expect(beyond.body.asOfRevision).toBe(stream.length - 1);
  });

  it('answers the account as of every moment, equal to a fold up to that time', async () => {
    const moments = log.flatMap((event) => [
      event.recordedAt,
      new Date(Date.parse(event.recordedAt) - 1).toISOString(),
    ]);
    for (const asOf of moments) {
      const answer = await analyst.get(`/history/accounts/tt-olga?asOf=${asOf}`);
      const expected = fold(upTo(stream, asOf));
      if (expected === undefined) {
        expect({ asOf, status: answer.status, code: answer.body.code }).toEqual({
          asOf,
          status: 404,
          code: 'ACCOUNT_NOT_FOUND',
        });
      } else {
        expect({ asOf, body: answer.body }).toEqual({ asOf, body: expected });
      }
    }
  });

  it('shows a closed account as closed after, and open before, its closing', async () => {
    const closing = log.find(
      (event) => event.streamId === 'account-tt-olga-2' && event.type === 'AccountClosed',
    )!;
    const before = new Date(Date.parse(closing.recordedAt) - 1).toISOString();
    const open = await analyst.get(`/history/accounts/tt-olga-2?asOf=${before}`);
    expect(open.body).toMatchObject({ status: 'open', balance: 0 });
    const closed = await analyst.get(`/history/accounts/tt-olga-2?asOf=${closing.recordedAt}`);
    expect(closed.body).toMatchObject({ status: 'closed', asOfRevision: closing.revision });
  });

  it('without a point answers what the live read model shows', async () => {
    const head = log.at(-1)!.position;
    for (const accountId of ['tt-olga', 'tt-piet', 'tt-olga-2']) {
      const live = await teller.get(`/accounts/${accountId}?consistentWith=${head}`);
      expect(live.status).toBe(200);
      const now = await analyst.get(`/history/accounts/${accountId}`);
      expect(now.body).toEqual({ ...live.body, asOfRevision: live.body.revision });
    }
  });

  it('refuses unknown accounts and ambiguous or malformed points', async () => {
    const unknown = await analyst.get('/history/accounts/nobody');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('ACCOUNT_NOT_FOUND');
    const both = await analyst.get(
      '/history/accounts/tt-olga?asOfRevision=1&asOf=2026-01-01T00:00:00Z',
    );
    expect(both.status).toBe(400);
    expect(both.body.errors).toEqual([
      { field: 'asOfRevision', messages: ['give asOfRevision or asOf, not both'] },
    ]);
    for (const query of ['asOf=last-week', 'asOfRevision=-1', 'asOfRevision=x']) {
      const answer = await analyst.get(`/history/accounts/tt-olga?${query}`);
      expect({ query, status: answer.status, code: answer.body.code }).toEqual({
        query,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }
    expect((await analyst.get('/history/accounts/bad%20id')).body.code).toBe('INVALID_ID');
    expect((await teller.get('/history/accounts/tt-olga')).status).toBe(403);
    expect((await teller.get('/history/balances')).status).toBe(403);
  });

  it('answers every account balance as of each moment, by replaying the log', async () => {
    for (const event of log) {
      for (const ownerId of [undefined, 'olga']) {
        const query = `asOf=${event.recordedAt}${ownerId ? `&ownerId=${ownerId}` : ''}`;
        const { items } = await allPages(analyst, `/history/balances?${query}&limit=1`);
        const expected = balancesFrom(upTo(log, event.recordedAt), ownerId);
        expect({ query, balances: items.map((a: any) => [a.accountId, a.balance]) }).toEqual({
          query,
          balances: expected,
        });
      }
    }
  });

  it('pages balances by account id, each item the account as of that time', async () => {
    const transfer = log.find((event) => event.type === 'TransferDebited')!;
    const asOf = transfer.recordedAt;
    const first = await analyst.get(`/history/balances?asOf=${asOf}&limit=2`);
    expect(first.status).toBe(200);
    const atThatTime = upTo(log, asOf);
    expect(first.body).toEqual({
      asOf,
      asOfPosition: atThatTime.at(-1)!.position,
      items: ['tt-olga', 'tt-olga-2'].map((id) =>
        fold(atThatTime.filter((event) => event.streamId === `account-${id}`)),
      ),
      nextCursor: expect.any(String),
    });
    const second = await analyst.get(
      `/history/balances?asOf=${asOf}&limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.items.map((a: any) => [a.accountId, a.balance])).toEqual([['tt-piet', 700]]);
    expect(second.body.nextCursor).toBeNull();

    const early = await analyst.get('/history/balances?asOf=2000-01-01T00:00:00Z');
    expect(early.body).toEqual({
      asOf: '2000-01-01T00:00:00.000Z',
      asOfPosition: 0,
      items: [],
      nextCursor: null,
    });
    expect((await analyst.get('/history/balances?cursor=zzz')).body.code).toBe('INVALID_CURSOR');
    const bad = await analyst.get('/history/balances?limit=0&ownerId=a%20b&asOf=soon');
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'asOf',
      'limit',
      'ownerId',
    ]);
  });
});

async function waitForTransfer(http: HttpClient, transferId: string): Promise<string> {
  for (let i = 0; i < 250; i++) {
    const status = (await http.get(`/transfers/${transferId}`)).body?.status;
    if (status === 'completed' || status === 'failed') return status;
    await sleep(20);
  }
  throw new Error(`transfer ${transferId} did not finish`);
}
