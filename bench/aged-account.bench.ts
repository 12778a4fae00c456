/**
 * Deposit latency on a fresh account beside one whose stream already holds BENCH_AGED_EVENTS
 * events (100,000 by default), in the same app process, sequentially, alternating between the
 * two so that both meet the same machine. Three phases on the same data:
 *   1. the first deposit on the aged account after start-up, with no snapshot yet (one full fold);
 *   2. steady state, with the state cache on (the default);
 *   3. after a restart with STATE_CACHE_MAX_ENTRIES=0, so every command loads the latest snapshot
 *      and reads the events after it: the cost without the cache.
 * The aged stream is written straight into the embedded event store before the app starts (one
 * append per 1,000 events), as the app's own commands would have written it.
 * Run: npm run bench:aged.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../src/event-store/embedded/sqlite-event-store';
import type { NewEvent } from '../src/event-store/event-envelope';
import { type LedgerProcess, startLedgerProcess } from '../harness/ledger-process';
import { benchCaller } from './support/bench-call';
import { percentile } from './support/figures';
import { ownSecretProcess } from '../harness/own-secret-process';
import { setting } from './support/bench-settings';

const AGED_EVENTS = setting('BENCH_AGED_EVENTS', 100_000);
const SAMPLES = setting('BENCH_SAMPLES', 300);
const WARMUP = setting('BENCH_WARMUP_REQUESTS', 30);
const SEED_BATCH = 1000;

const { env: APP_ENV, authorization: AUTHORIZATION } = ownSecretProcess('aged-account-bench');

function metadata() {
  const id = randomUUID();
  return {
    actor: { subject: 'aged-account-bench', roles: ['teller'] },
    correlationId: id,
    causationId: id,
    commandId: id,
  };
}

/** The stream the app's own commands would have written: opened, then one deposit of 1 each. */
async function seedAgedAccount(dataDir: string, accountId: string): Promise<void> {
  const store = new SqliteEventStore({ file: join(dataDir, 'events.sqlite') });
  const streamId = `account-${accountId}`;
  const opened: NewEvent = {
    eventId: randomUUID(),
    type: 'AccountOpened',
    schemaVersion: 1,
    data: { accountId, ownerId: 'bench', currency: 'EUR', overdraftLimit: 0 },
    metadata: metadata(),
  };
  let revision = (await store.append(streamId, [opened], 'no-stream')).revision;
  while (revision < AGED_EVENTS - 1) {
    const count = Math.min(SEED_BATCH, AGED_EVENTS - 1 - revision);
    const events = Array.from({ length: count }, (_, i): NewEvent => ({
      eventId: randomUUID(),
      type: 'MoneyDeposited',
      schemaVersion: 2,
      data: { amount: 1, balanceAfter: revision + 1 + i, channel: 'api' },
      metadata: metadata(),
    }));
    revision = (await store.append(streamId, events, revision)).revision;
  }
  await store.close();
}

const call = benchCaller(AUTHORIZATION, 60_000);

async function timedDeposit(baseUrl: string, accountId: string): Promise<number> {
  const started = process.hrtime.bigint();
  const answer = await call(baseUrl, 'POST', `/accounts/${accountId}/deposits`, { amount: 1 });
  if (answer.status !== 200) {
    throw new Error(`deposit on ${accountId}: ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  return Number(process.hrtime.bigint() - started) / 1e6;
}

interface Figures {
  p50: number;
  p99: number;
}

function figures(samples: number[]): Figures {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/** Alternates fresh and aged deposits, one at a time, after a warm-up on both. */
async function sideBySide(baseUrl: string, label: string): Promise<void> {
  for (let i = 0; i < WARMUP; i++) {
    await timedDeposit(baseUrl, 'fresh');
    await timedDeposit(baseUrl, 'aged');
  }
  const fresh: number[] = [];
  const aged: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    fresh.push(await timedDeposit(baseUrl, 'fresh'));
    aged.push(await timedDeposit(baseUrl, 'aged'));
  }
  const f = figures(fresh);
  const a = figures(aged);
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  console.log(`${label}:`);
  console.log(`  fresh account:             deposit p50 ${ms(f.p50)}, p99 ${ms(f.p99)}`);
  console.log(
    `  ${AGED_EVENTS.toLocaleString('en')}-event account:   deposit p50 ${ms(a.p50)}, p99 ${ms(a.p99)}`,
  );
  console.log(
    `  ratio aged / fresh:        p50 ${(a.p50 / f.p50).toFixed(2)}x, p99 ${(a.p99 / f.p99).toFixed(2)}x (goal <= 1.5x)`,
  );
}

/** Waits until the read models have applied the seeded history, so they do not share the run. */
async function caughtUp(baseUrl: string): Promise<void> {
  const head = AGED_EVENTS;
  for (;;) {
    const answer = await call(baseUrl, 'GET', `/accounts/aged?consistentWith=${head}`);
    if (answer.status === 200) return;
    if (answer.status !== 503) throw new Error(`catching up: ${answer.status}`);
  }
}

async function main(): Promise<void> {
  console.log(
    `machine: ${cpus().length} cpus, node ${process.version}, load average ` +
      `${loadavg()[0].toFixed(2)} at start; ${SAMPLES} sequential deposits on each account ` +
      `after ${WARMUP} warm-up each; app: npm start on a fresh temp DATA_DIR (embedded default)`,
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'ledgerline-aged-'));
  let app: LedgerProcess | undefined;
  try {
    const seedStarted = Date.now();
    await seedAgedAccount(dataDir, 'aged');
    console.log(
      `seeded account "aged" with ${AGED_EVENTS} events in ${Date.now() - seedStarted} ms`,
    );

    app = await startLedgerProcess({ ...APP_ENV, DATA_DIR: dataDir }, 120_000);
    await caughtUp(app.url);
    const opened = await call(app.url, 'POST', '/accounts', {
      ownerId: 'bench',
      currency: 'EUR',
      accountId: 'fresh',
    });
    if (opened.status !== 201) throw new Error(`opening fresh: ${opened.status}`);
    const first = await timedDeposit(app.url, 'aged');
    console.log(
      `first deposit on the aged account, no snapshot yet (reads and folds the whole stream once): ${first.toFixed(1)} ms`,
    );
    await sideBySide(app.url, 'with the state cache (default)');
    await app.kill('SIGTERM');

    app = await startLedgerProcess(
      { ...APP_ENV, DATA_DIR: dataDir, STATE_CACHE_MAX_ENTRIES: '0' },
      120_000,
    );
    await sideBySide(
      app.url,
      'cache off (STATE_CACHE_MAX_ENTRIES=0): latest snapshot + the events after it',
    );
  } finally {
    await app?.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
