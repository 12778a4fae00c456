import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { httpClient, type HttpClient } from '../../harness/http-client';
import { type RunningLedger, startLedger } from '../support/ledger-app';
import { removeDataDir, tempDataDir } from '../../harness/data-dir';
import { holdWriteLock } from './lock-holder';
import { withIdempotencyWritesFailing } from '../support/failing-idempotency-writes';
import {
  committedButRefused,
  expectLedgerConsistent,
  sendDeposit,
  type SentDeposit,
} from './ledger-oracle';
import { wholeLog } from '../support/whole-log';

/** The embedded stores' faults, answered truthfully: each test ends with the ledger oracle. */

const ACCOUNTS = ['fault-a', 'fault-b'];
/** The writer's lock wait (1 s) plus one group already waiting, and some slack for a busy machine. */
const BOUNDED_MS = 4000;

let counter = 0;

async function openAccounts(http: HttpClient): Promise<void> {
  for (const accountId of ACCOUNTS) {
    const opened = await http.post('/accounts', { ownerId: 'faults', currency: 'EUR', accountId });
    expect(opened.status).toBe(201);
  }
}

/** A new deposit, or `deposit` again. */
function deposit(http: HttpClient, deposit?: SentDeposit): Promise<SentDeposit> {
  return sendDeposit(
    http,
    deposit ?? {
      accountId: ACCOUNTS[counter % ACCOUNTS.length],
      amount: 1 + (counter % 50),
      reference: `fault-${++counter}`,
    },
  );
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work;
  return { value, ms: performance.now() - started };
}

describe('store faults on the embedded default', () => {
  let ledger: RunningLedger;
  let http: HttpClient;
  let now: Date | undefined;

  beforeEach(async () => {
    now = undefined;
    ledger = await startLedger(tempDataDir(), {
      consistencyTimeoutMs: 10_000,
      clock: () => now ?? new Date(),
    });
    http = httpClient(ledger.baseUrl);
    await openAccounts(http);
  });
  afterEach(async () => {
    await ledger.stop();
    removeDataDir(ledger.dataDir);
  });

  it('answers 503 STORE_UNAVAILABLE in bounded time while another process holds the event store lock, and stays live', async () => {
    const before = [await deposit(http)];
    const holder = await holdWriteLock(join(ledger.dataDir, 'events.sqlite'));
    const sent: SentDeposit[] = [];
    try {
      const pending = timed(deposit(http).then((d) => (sent.push(d), d)));
      // The event loop is not waiting for the lock: liveness answers at once meanwhile.
      const live = await timed(http.get('/health/live'));
      expect(live.value.status).toBe(200);
      expect(live.ms).toBeLessThan(500);

      const { value: refused, ms } = await pending;
      expect(ms).toBeLessThan(BOUNDED_MS);
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ code: 'STORE_UNAVAILABLE', reason: 'busy' });
      const ready = await http.get('/health/ready');
      expect(ready.status).toBe(503);
      expect(Object.keys(ready.body.checks.error)).toContain('event-store-write');
    } finally {
      await holder.release();
    }
    const retried = await deposit(http, sent[0]);
    expect(retried.status).toBe(200);
    expect((await http.get('/health/ready')).status).toBe(200);
    await expectLedgerConsistent(http, ledger.openedEventStore, [...before, retried], ACCOUNTS);
  });

  it('gives Retry-After with a busy store', async () => {
    const holder = await holdWriteLock(join(ledger.dataDir, 'events.sqlite'));
    try {
      const refused = await http.post('/accounts', { ownerId: 'x', currency: 'EUR' });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
    } finally {
      await holder.release();
    }
  });

  it('answers a committed command as done while the read store is locked by another process, and rebuilds the answer on retry', async () => {
    const holder = await holdWriteLock(join(ledger.dataDir, 'read-models.sqlite'));
    let during: SentDeposit;
    try {
      const { value, ms } = await timed(deposit(http));
      during = value;
      expect(ms).toBeLessThan(BOUNDED_MS);
      // The events are committed; only the stored copy of the answer could not be written.
      expect(during.status).toBe(200);
      const live = await timed(http.get('/health/live'));
      expect(live.value.status).toBe(200);
      expect(live.ms).toBeLessThan(500);
    } finally {
      await holder.release();
    }
    const replay = await http.post(
      `/accounts/${during.accountId}/deposits`,
      { amount: during.amount, reference: during.reference },
      { 'Idempotency-Key': during.reference },
    );
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(during.body);
    await expectLedgerConsistent(http, ledger.openedEventStore, [during], ACCOUNTS);
  });

  it('answers a committed command as done when its idempotency record cannot be saved', async () => {
    const first = await deposit(http);
    expect(first.status).toBe(200);
    await withIdempotencyWritesFailing(ledger.dataDir, 'INSERT', async () => {
      const committed = await deposit(http);
      expect(committed.status).toBe(200);
      const again = await http.post(
        `/accounts/${committed.accountId}/deposits`,
        { amount: committed.amount, reference: committed.reference },
        { 'Idempotency-Key': committed.reference },
      );
      expect(again.status).toBe(200);
      expect(again.body).toEqual(committed.body);
      await expectLedgerConsistent(http, ledger.openedEventStore, [first, committed], ACCOUNTS);
    });
  });

  it('keeps recordedAt monotonic and time travel exact when the clock steps back', async () => {
    const hour = 3_600_000;
    const base = Date.now();
    const steps = [
      new Date(base + hour).toISOString(),
      new Date(base - 24 * hour).toISOString(),
      '2000-01-01T00:00:00.000Z',
      new Date(base + hour + 1000).toISOString(),
    ];
    const acknowledged: SentDeposit[] = [];
    for (const step of steps) {
      now = new Date(step);
      for (let i = 0; i < 3; i++) acknowledged.push(await deposit(http));
    }
    now = undefined;
    expect(acknowledged.every((d) => d.status === 200)).toBe(true);

    const events = await wholeLog(ledger.openedEventStore);
    const recorded = events.map((e) => e.recordedAt);
    expect(recorded).toEqual([...recorded].sort());
    expect(recorded).not.toContain('2000-01-01T00:00:00.000Z');

    const metrics = await (await fetch(`${ledger.baseUrl}/metrics`)).text();
    const steppedBack = /^ledger_clock_steps_back_total (\d+)$/m.exec(metrics);
    // Every append stamped a day back or in 2000 was behind the log.
    expect(Number(steppedBack?.[1])).toBe(6);
    for (const accountId of ACCOUNTS) {
      const stream = events.filter((e) => e.streamId === `account-${accountId}`);
      // "As of" each recorded time is the fold of every event recorded up to then.
      for (const event of stream) {
        const upTo = stream.filter((e) => e.recordedAt <= event.recordedAt).at(-1)!;
        const asOf = await http.get(
          `/history/accounts/${accountId}?asOf=${encodeURIComponent(event.recordedAt)}`,
        );
        expect(asOf.status).toBe(200);
        expect(asOf.body.asOfRevision).toBe(upTo.revision);
      }
      const current = await http.get(`/history/accounts/${accountId}`);
      expect(current.body.balance).toBe(
        (stream.at(-1)!.data as { balanceAfter: number }).balanceAfter,
      );
      const early = await http.get(`/history/accounts/${accountId}?asOf=2001-01-01T00:00:00Z`);
      expect(early.status).toBe(404);
    }
    await expectLedgerConsistent(http, ledger.openedEventStore, acknowledged, ACCOUNTS);
  });

  it('notices a deleted data folder: readiness 503 and no command acknowledged into it', async () => {
    const before = [await deposit(http)];
    rmSync(ledger.dataDir, { recursive: true, force: true });

    const ready = await http.get('/health/ready');
    expect(ready.status).toBe(503);
    expect(Object.keys(ready.body.checks.error)).toEqual(
      expect.arrayContaining(['event-store-file', 'read-store-file']),
    );
    const after: SentDeposit[] = [];
    for (let i = 0; i < 5; i++) after.push(await deposit(http));
    expect(after.map((d) => d.status)).toEqual([503, 503, 503, 503, 503]);
    expect(after[0].body).toMatchObject({ code: 'STORE_UNAVAILABLE', reason: 'vanished' });
    // What this process still reads is the deleted file, which holds nothing of the refused ones.
    const events = await wholeLog(ledger.openedEventStore);
    expect(committedButRefused(after, events)).toEqual([]);
    await expectLedgerConsistent(http, ledger.openedEventStore, before, ACCOUNTS);
  });
});
