/**
 * The production pipeline, role by role, against what its parts manage on their own, in one run
 * (each figure in its own file under bench/pipeline/):
 *   1. relay-throughput: N events (AccountOpened + deposits, made by the account decider) appended
 *      straight to the embedded event store, then only LEDGER_ROLE=relay, beside a raw read and a
 *      raw kafkajs produce of the same N envelopes;
 *   2. projector-throughput: then only LEDGER_ROLE=projector, beside a raw kafkajs consume and raw
 *      MongoReadStore.bulkWrite upserts;
 *   3. append-to-visible: api + relay + projector, deposits over HTTP at a fixed open-loop rate,
 *      until GET /accounts/{id} shows each, polled or with ?consistentWith=.
 * Role rates are steady rates: from the first checkpoint sample showing progress to done, less what
 * was already handled at that sample; "incl. start" also counts process start-up (or group join).
 * Needs Kafka and the MongoDB-wire server: KAFKA_BROKERS and MONGODB_URL, or else it runs
 * `infra/infra.sh up` and stops afterwards only the servers it started. Each run has its own topic,
 * database and temp DATA_DIR, removed at the end.
 * Run: npm run bench:pipeline. Settings come from BENCH_* variables (see bench/pipeline/settings.ts).
 */
import { rmSync } from 'node:fs';
import { MongoReadStore } from '../src/read-store/mongodb/mongo-read-store';
import { measureAppendToVisible, printAppendToVisible } from './pipeline/append-to-visible.figure';
import type { ThroughputRow } from './pipeline/catch-up';
import { cleanUp, type PipelineRun, pipelineRun } from './pipeline/pipeline-run';
import { preload } from './pipeline/preload';
import {
  measureProjector,
  projectorNotes,
  projectorRows,
} from './pipeline/projector-throughput.figure';
import { measureRelay, relayRows } from './pipeline/relay-throughput.figure';
import { RAW_TIMEOUT_MS, settings, START_TIMEOUT_MS, WATCHDOG_MS } from './pipeline/settings';
import { bounded } from './support/bounded';
import { fmt, perSecond, row } from './support/figures';
import { load, machine } from './support/machine';
import {
  ensureInfra,
  type Infra,
  killAllRoles,
  roleTails,
  startRole,
  stopInfra,
  waitHealthy,
} from './support/pipeline-stack';

function printThroughput(head: number, rows: ThroughputRow[]): void {
  const widths = [52, 10, 10, 10];
  console.log('');
  console.log(
    row(
      ['throughput, N = ' + fmt(head) + ' events', 'events/s', 'window ms', 'incl. start'],
      widths,
    ),
  );
  for (const [label, rate, ms, fromSpawn] of rows) {
    console.log(
      row([label, fmt(rate), fmt(ms), fromSpawn === undefined ? '' : fmt(fromSpawn)], widths),
    );
  }
}

async function main(): Promise<void> {
  console.log(machine());

  let infra: Infra | undefined;
  let run: PipelineRun | undefined;
  const watchdog = setTimeout(() => {
    console.error(`pipeline benchmark exceeded ${WATCHDOG_MS} ms; killing everything`);
    killAllRoles();
    if (infra) stopInfra(infra);
    process.exit(1);
  }, WATCHDOG_MS);
  watchdog.unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAllRoles();
      if (run) rmSync(run.dataDir, { recursive: true, force: true });
      if (infra) stopInfra(infra);
      process.exit(130);
    });
  }

  try {
    infra = ensureInfra();
    run = pipelineRun(infra);
    const current = run;
    console.log(
      `servers: kafka ${infra.brokers}, mongo-wire ${infra.mongoUrl.replace(/\/[^/]*$/, '')} ` +
        `(${infra.started.length ? `started here: ${infra.started.join(', ')}` : 'already running'}); ` +
        `topic ${current.topic} (${settings.partitions} partitions), database ${current.database}`,
    );

    const loaded = await bounded('the preload', RAW_TIMEOUT_MS * 2, () =>
      preload(current.eventFile),
    );
    const head = loaded.head;
    console.log(
      `preload: ${settings.accounts} AccountOpened + ${settings.deposits} MoneyDeposited = ` +
        `N ${fmt(head)} events in ${fmt(loaded.appends)} SqliteEventStore.append calls, ` +
        `${fmt(loaded.ms)} ms (synchronous=FULL)`,
    );

    const readStore = new MongoReadStore({ url: current.mongoDbUrl });
    try {
      const relay = await measureRelay(current, readStore, head);
      // The relay stays, idle, while the projector catches up.
      const projector = await measureProjector(
        current,
        readStore,
        head,
        relay.envelopes,
        relay.relayed.partitionEnds,
      );
      printThroughput(head, [...relayRows(relay), ...projectorRows(projector)]);
      for (const line of projectorNotes(projector)) console.log(line);
      const ratio = (a: number, b: number) => (a / b).toFixed(2);
      const rateOf = ({ count, ms }: { count: number; ms: number }) => perSecond(count, ms);
      const projected = projector.projected.byOffsets.rate;
      console.log(
        `ratios: relay/raw-read ${ratio(relay.relayed.rate, rateOf(relay.read))}, ` +
          `relay/raw-produce ${ratio(relay.relayed.rate, rateOf(relay.produce))}, ` +
          `projector/raw-consume ${ratio(projected, rateOf(projector.consume))}, ` +
          `projector/raw-upsert ${ratio(projected, rateOf(projector.upserts))} ` +
          `(guarded: ${ratio(projected, rateOf(projector.guardedUpserts))}) ` +
          `(projector = offsets-cover figure); ${load()}`,
      );

      const api = await startRole('api', current.env);
      await waitHealthy(api, START_TIMEOUT_MS);
      await waitHealthy(relay.relay, START_TIMEOUT_MS);
      await waitHealthy(projector.projector, START_TIMEOUT_MS);
      printAppendToVisible(await measureAppendToVisible(api.url));
    } finally {
      await readStore.close();
    }
  } catch (error) {
    console.error(`pipeline benchmark failed: ${error instanceof Error ? error.message : error}`);
    console.error(roleTails());
    process.exitCode = 1;
  } finally {
    clearTimeout(watchdog);
    await cleanUp(run, infra);
  }
}

// Exits rather than waiting for the event loop: a phase cut short by its time bound may leave a
// client (a consumer, a fetch) behind that would keep the process alive.
main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error);
    killAllRoles();
    process.exit(1);
  },
);
