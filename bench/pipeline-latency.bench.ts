/**
 * Append → visible on the split stack: api, relay and projector as separate processes over Kafka
 * and the MongoDB-wire server, sharing the embedded event store file. Deposits go out open-loop at
 * a fixed rate; for each, the time from its answer until `GET /accounts/{id}?consistentWith=<its
 * position>` returns. Beside it, in the same run, the embedded default (one LEDGER_ROLE=all
 * process) under the same load, and where the split stack's time goes: answer → the relay's send
 * (the Kafka message timestamp, stamped by the producer) and send → visible.
 * Needs Kafka and the MongoDB-wire server: KAFKA_BROKERS and MONGODB_URL, or else it runs
 * `infra/infra.sh up` and stops afterwards only the servers it started.
 * Run: npm run bench:pipeline-latency. Settings: BENCH_RATE (50/s), BENCH_SECONDS (20),
 * BENCH_WARMUP_SECONDS (30),
 * BENCH_ACCOUNTS (50), BENCH_STACKS (split,embedded); BENCH_CPU_PROF=<dir> profiles each role.
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { consumerGroup } from '../src/event-feed/kafka/kafka-event-feed';
import { httpClient } from '../harness/http-client';
import { removeDataDir, tempDataDir } from '../harness/data-dir';
import { type LedgerProcess, startLedgerProcess } from '../harness/ledger-process';
import { splitStack } from '../harness/split-stack';
import { ensureInfra, type Infra, stopInfra } from './support/pipeline-stack';
import { setting } from './support/bench-settings';
import { cpuProfileArgs } from './support/cpu-profile-args';
import { cpuWindow, infraServerPid } from './support/process-cpu';

const settings = {
  rate: setting('BENCH_RATE', 50),
  seconds: setting('BENCH_SECONDS', 20),
  /**
   * The same load first, not measured: the JVMs of Kafka and the MongoDB-wire server compile
   * their hot paths during the first seconds, and a short warm-up measured their start-up.
   */
  warmUpSeconds: setting('BENCH_WARMUP_SECONDS', 30),
  accounts: setting('BENCH_ACCOUNTS', 50),
  stacks: (process.env.BENCH_STACKS ?? 'split,embedded').split(','),
};
const GOAL = { p50: 25, p99: 100 };
/** Requests per minute far above the load, so that the limits do not shape it. */
const NO_RATE_LIMITS = { RATE_LIMIT_PER_SUBJECT: '1000000', RATE_LIMIT_PER_ADDRESS: '1000000' };
const LOG_QUIET = { LOG_LEVEL: 'warn' };
const WATCHDOG_MS = 5 * 60_000 + (settings.seconds + settings.warmUpSeconds) * 2000;

interface Sample {
  position: number;
  /** Epoch ms, comparable with the Kafka message timestamps of the same machine. */
  answeredAt: number;
  depositMs: number;
  visibleMs: number;
}

interface Run {
  samples: Sample[];
  errors: number;
  firstError?: string;
  maxSendDelayMs: number;
  cpu?: CpuUse;
}

type CpuUse = ReturnType<ReturnType<typeof cpuWindow>['end']>;

/** Opens the accounts, then deposits open-loop: command i leaves at start + i / rate. */
async function appendToVisible(apiUrl: string, prefix: string, commands: number): Promise<Run> {
  const http = httpClient(apiUrl);
  const accounts = Array.from({ length: settings.accounts }, (_, i) => `${prefix}-${i}`);
  for (const accountId of accounts) {
    const opened = await http.post('/accounts', { ownerId: 'bench', currency: 'EUR', accountId });
    if (opened.status !== 201 && opened.status !== 409) {
      throw new Error(`opening ${accountId}: ${opened.status} ${JSON.stringify(opened.body)}`);
    }
  }
  const run: Run = { samples: [], errors: 0, maxSendDelayMs: 0 };
  async function one(i: number): Promise<void> {
    const accountId = accounts[i % accounts.length];
    const sentAt = performance.now();
    const deposit = await http.post(`/accounts/${accountId}/deposits`, { amount: 1 });
    const answered = performance.now();
    const answeredAt = Date.now();
    if (deposit.status !== 200) {
      throw new Error(`deposit ${deposit.status}: ${JSON.stringify(deposit.body)}`);
    }
    const { position, revision } = deposit.body as { position: number; revision: number };
    const read = await http.get(`/accounts/${accountId}?consistentWith=${position}`);
    const visible = performance.now();
    if (read.status !== 200 || read.body.revision < revision) {
      throw new Error(`consistentWith read ${read.status}: ${JSON.stringify(read.body)}`);
    }
    run.samples.push({
      position,
      answeredAt,
      depositMs: answered - sentAt,
      visibleMs: visible - answered,
    });
  }
  const startedAt = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < commands; i++) {
    const due = startedAt + (i * 1000) / settings.rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    run.maxSendDelayMs = Math.max(run.maxSendDelayMs, performance.now() - due);
    inFlight.push(
      one(i).catch((error: unknown) => {
        run.errors++;
        run.firstError ??= error instanceof Error ? error.message : String(error);
      }),
    );
  }
  await Promise.all(inFlight);
  return run;
}

/** When the relay sent each position: the producer stamps every message as it sends it. */
async function sendTimes(brokers: string, topic: string, positions: Set<number>) {
  const kafka = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: consumerGroup(topic, `latency-bench-${randomUUID().slice(0, 8)}`),
    maxWaitTimeInMs: 100,
  });
  const sent = new Map<number, number>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const all = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          const position = Number(message.headers?.position?.toString());
          if (positions.has(position)) sent.set(position, Number(message.timestamp));
          if (sent.size === positions.size) resolve();
        },
      });
    });
    await Promise.race([all, sleep(30_000)]);
  } finally {
    await consumer.disconnect();
  }
  return sent;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** p50/p95/p99/max, in ms. */
function spread(values: number[]): { p50: number; p95: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

function line(label: string, values: number[]): string {
  const { p50, p95, p99, max } = spread(values);
  const ms = (v: number) => v.toFixed(1).padStart(7);
  return `${label.padEnd(46)}${ms(p50)}${ms(p95)}${ms(p99)}${ms(max)}`;
}

const load = () =>
  `load average ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')}`;

async function measure(
  apiUrl: string,
  prefix: string,
  processes: Record<string, number | undefined>,
): Promise<Run> {
  const warmUp = await appendToVisible(
    apiUrl,
    `${prefix}-warm`,
    settings.rate * settings.warmUpSeconds,
  );
  if (warmUp.errors > 0) throw new Error(`warm-up failed: ${warmUp.firstError}`);
  const cpu = cpuWindow(processes);
  const run = await appendToVisible(apiUrl, prefix, settings.rate * settings.seconds);
  return { ...run, cpu: cpu.end(run.samples.length + run.errors) };
}

const infraServers = () => ({
  kafka: infraServerPid('kafka'),
  'mongo-wire': infraServerPid('mongo-wire'),
});

async function splitRun(infra: Infra): Promise<{ run: Run; sent: Map<number, number> }> {
  process.env.KAFKA_BROKERS = infra.brokers;
  process.env.MONGODB_URL = infra.mongoUrl;
  const stack = splitStack('latency-bench');
  const processes: LedgerProcess[] = [];
  try {
    const start = (role: string) =>
      startLedgerProcess(
        { ...stack.env, ...NO_RATE_LIMITS, ...LOG_QUIET, LEDGER_ROLE: role },
        60_000,
        { nodeArgs: cpuProfileArgs(role) },
      );
    processes.push(...(await Promise.all(['api', 'relay', 'projector'].map(start))));
    const [api, relay, projector] = processes.map((p) => p.pid);
    const run = await measure(processes[0].url, 'split', {
      api,
      relay,
      projector,
      ...infraServers(),
    });
    const sent = await sendTimes(
      infra.brokers,
      stack.env.KAFKA_TOPIC,
      new Set(run.samples.map((s) => s.position)),
    );
    return { run, sent };
  } catch (error) {
    for (const p of processes) console.error(p.output().split('\n').slice(-15).join('\n'));
    throw error;
  } finally {
    await Promise.all(processes.map((p) => p.kill('SIGTERM')));
    removeDataDir(stack.dataDir);
  }
}

async function embeddedRun(): Promise<Run> {
  const dataDir = tempDataDir();
  const app = await startLedgerProcess({ DATA_DIR: dataDir, ...NO_RATE_LIMITS, ...LOG_QUIET });
  try {
    return await measure(app.url, 'embedded', { 'embedded app': app.pid });
  } finally {
    await app.kill('SIGTERM');
    removeDataDir(dataDir);
  }
}

function report(name: string, run: Run): void {
  console.log(
    line(
      `${name}: deposit answered`,
      run.samples.map((s) => s.depositMs),
    ),
  );
  console.log(line(`${name}: answer -> consistentWith read returns`, visible(run)));
  if (run.cpu) {
    const parts = run.cpu.map(
      (p) => `${p.name} ${p.msPerCommand.toFixed(1)} (${(p.coreShare * 100).toFixed(0)}%)`,
    );
    const total = run.cpu.reduce((sum, p) => sum + p.coreShare, 0);
    console.log(
      `  CPU ms per command (share of a core): ${parts.join(', ')}; ` +
        `all ${(total * 100).toFixed(0)}% of ${cpus().length * 100}%`,
    );
  }
  if (run.errors > 0) {
    console.log(`  ${run.errors} errors; first: ${run.firstError}`);
    process.exitCode = 1;
  }
}

const visible = (run: Run) => run.samples.map((s) => s.visibleMs);

async function main(): Promise<void> {
  const cpu = cpus();
  console.log(
    `machine: ${cpu.length} cpus (${cpu[0]?.model.trim() ?? 'unknown'}), ` +
      `${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.version}; ` +
      `${new Date().toISOString()}; ${load()}`,
  );
  console.log(
    `deposits open-loop at ${settings.rate}/s for ${settings.seconds} s over ` +
      `${settings.accounts} accounts, after ${settings.warmUpSeconds} s of the same load, not measured`,
  );
  const watchdog = setTimeout(() => {
    console.error(`latency benchmark exceeded ${WATCHDOG_MS} ms`);
    process.exit(1);
  }, WATCHDOG_MS);
  watchdog.unref();
  const infra = settings.stacks.includes('split') ? ensureInfra() : undefined;
  try {
    const split = infra ? await splitRun(infra) : undefined;
    const embedded = settings.stacks.includes('embedded') ? await embeddedRun() : undefined;
    console.log('');
    console.log(
      `${'ms'.padEnd(46)}${['p50', 'p95', 'p99', 'max'].map((h) => h.padStart(7)).join('')}`,
    );
    if (split) {
      report('split stack', split.run);
      const hops = split.run.samples.filter((s) => split.sent.has(s.position));
      console.log(
        line(
          '  answer -> relay sends to Kafka',
          hops.map((s) => split.sent.get(s.position)! - s.answeredAt),
        ),
      );
      console.log(
        line(
          '  relay sends -> visible',
          hops.map((s) => s.answeredAt + s.visibleMs - split.sent.get(s.position)!),
        ),
      );
    }
    if (embedded) report('embedded default', embedded);
    if (split) {
      const { p50, p99 } = spread(visible(split.run));
      const met = p50 < GOAL.p50 && p99 < GOAL.p99;
      console.log(
        `goal (split stack): p50 < ${GOAL.p50} ms, p99 < ${GOAL.p99} ms: ` +
          `${met ? 'met' : 'NOT met'} (p50 ${p50.toFixed(1)}, p99 ${p99.toFixed(1)})`,
      );
    }
    if (split && embedded) {
      const ratio = spread(visible(split.run)).p50 / spread(visible(embedded)).p50;
      console.log(`split ÷ embedded, visible p50: ${ratio.toFixed(2)}`);
    }
    console.log(load());
  } finally {
    clearTimeout(watchdog);
    if (infra) stopInfra(infra);
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
