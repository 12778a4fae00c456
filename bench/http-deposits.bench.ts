/**
 * End-to-end HTTP figures of the embedded system, run as `npm start` runs it (a child process on a
 * fresh data folder):
 *   (a) deposits/s at a fixed number of requests in flight, spread over many accounts, beside two
 *       floors measured in the same run: a bare NestJS POST route (bench/bare/bare-nest.main.ts)
 *       with the same client and concurrency, and raw better-sqlite3 FULL-synced single-event
 *       commits; and the ratio of the deposits to the slower floor;
 *   (b) append-to-visible: how long `GET /accounts/{id}?consistentWith=<position>` takes when sent
 *       right after a deposit's answer, i.e. how long until the read models show the deposit.
 * Run: npm run bench. Settings come from BENCH_* variables (see `settings` below).
 */
import { type LedgerProcess, startLedgerProcess } from '../harness/ledger-process';
import { writeBenchReport } from './bench-report';
import { rawSqliteCommitsPerSecond } from './support/raw-sqlite-commits';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchCaller } from './support/bench-call';
import { percentile } from './support/figures';
import { ownSecretProcess } from '../harness/own-secret-process';
import { cpuProfileArgs } from './support/cpu-profile-args';
import { setting } from './support/bench-settings';
import { cpuWindow } from './support/process-cpu';

const settings = {
  accounts: setting('BENCH_ACCOUNTS', 50),
  concurrency: setting('BENCH_CONCURRENCY', 32),
  seconds: setting('BENCH_SECONDS', 10),
  maxRequests: setting('BENCH_MAX_REQUESTS', 5000),
  warmupRequests: setting('BENCH_WARMUP_REQUESTS', 300),
  latencySamples: setting('BENCH_LATENCY_SAMPLES', 500),
  latencyConcurrency: setting('BENCH_LATENCY_CONCURRENCY', 4),
  rawSeconds: setting('BENCH_RAW_SECONDS', 3),
};
/** Hard bound on the whole run, whatever the settings: the child is killed and the run fails. */
const WATCHDOG_MS = 60_000 + settings.seconds * 1000 + settings.latencySamples * 100;
const REQUEST_TIMEOUT_MS = 10_000;

const { env: APP_ENV, authorization: AUTHORIZATION } = ownSecretProcess('http-deposits-bench');

interface RunningApp extends LedgerProcess {
  dataDir: string;
  /** performance.now() when the process was spawned, about when its CPU profile starts. */
  spawnedAt: number;
}

async function startApp(): Promise<RunningApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ledgerline-bench-'));
  const spawnedAt = performance.now();
  const app = await startLedgerProcess({ ...APP_ENV, DATA_DIR: dataDir }, 30_000, {
    nodeArgs: cpuProfileArgs('app'),
  });
  return Object.assign(app, { dataDir, spawnedAt });
}

/** The bare NestJS route, run for the same requests with the same client. */
async function bareNestRequestsPerSecond(
  accounts: string[],
): Promise<ThroughputResult & { cpu: CpuShare[] }> {
  const bare = await startLedgerProcess({}, 30_000, { script: 'bench/bare/bare-nest.main.ts' });
  try {
    await deposits(bare.url, accounts, { requests: settings.warmupRequests, seconds: 30 });
    const cpu = cpuWindow({ server: bare.pid });
    const result = await deposits(bare.url, accounts, {
      requests: settings.maxRequests,
      seconds: settings.seconds,
    });
    return { ...result, cpu: cpu.end(result.ok) };
  } finally {
    await bare.kill('SIGTERM');
  }
}

async function stopApp(app: RunningApp): Promise<void> {
  await app.kill('SIGTERM');
  rmSync(app.dataDir, { recursive: true, force: true });
}

const call = benchCaller(AUTHORIZATION, REQUEST_TIMEOUT_MS);

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  return (
    `p50 ${ms(percentile(sorted, 50))}, p95 ${ms(percentile(sorted, 95))}, ` +
    `p99 ${ms(percentile(sorted, 99))}, max ${ms(sorted[sorted.length - 1])}`
  );
}

type CpuShare = ReturnType<ReturnType<typeof cpuWindow>['end']>[number];

/**
 * CPU per answered request, server and client: steadier than the rates on a shared machine, whose
 * speed drifts between runs, so it is the figure to compare two builds by.
 */
function cpuSummary(shares: CpuShare[]): string {
  return shares
    .map(
      ({ name, msPerCommand, coreShare }) =>
        `${name} ${msPerCommand.toFixed(3)} ms (${(coreShare * 100).toFixed(0)}% of a core)`,
    )
    .join(', ');
}

function elapsedMs(startedAt: bigint): number {
  return Number(process.hrtime.bigint() - startedAt) / 1e6;
}

async function openAccounts(baseUrl: string): Promise<string[]> {
  const ids = Array.from({ length: settings.accounts }, (_, i) => `bench-${i}`);
  for (const accountId of ids) {
    const answer = await call(baseUrl, 'POST', '/accounts', {
      ownerId: 'bench',
      currency: 'EUR',
      accountId,
    });
    if (answer.status !== 201) {
      throw new Error(`Opening ${accountId}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
  }
  return ids;
}

interface ThroughputResult {
  ok: number;
  errors: number;
  seconds: number;
  latencies: number[];
  /** When each successful command was answered, in ms since the run started. */
  completedAt: number[];
  lastPosition: number;
  firstError?: string;
}

/** `concurrency` clients, each sending its next deposit as soon as the previous one is answered. */
async function deposits(
  baseUrl: string,
  accounts: string[],
  limits: { requests: number; seconds: number },
): Promise<ThroughputResult> {
  const result: ThroughputResult = {
    ok: 0,
    errors: 0,
    seconds: 0,
    latencies: [],
    completedAt: [],
    lastPosition: 0,
  };
  let issued = 0;
  const startedAt = process.hrtime.bigint();
  const deadline = Date.now() + limits.seconds * 1000;
  async function client(): Promise<void> {
    while (issued < limits.requests && Date.now() < deadline) {
      const accountId = accounts[issued++ % accounts.length];
      const sentAt = process.hrtime.bigint();
      try {
        const answer = await call(baseUrl, 'POST', `/accounts/${accountId}/deposits`, {
          amount: 1,
        });
        if (answer.status !== 200)
          throw new Error(`${answer.status} ${JSON.stringify(answer.body)}`);
        result.ok++;
        result.latencies.push(elapsedMs(sentAt));
        result.completedAt.push(elapsedMs(startedAt));
        result.lastPosition = Math.max(result.lastPosition, answer.body.position);
      } catch (error) {
        result.errors++;
        result.firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  }
  await Promise.all(Array.from({ length: settings.concurrency }, client));
  result.seconds = elapsedMs(startedAt) / 1000;
  return result;
}

interface VisibilityResult {
  samples: number[];
  /** Each sample with when it was taken, in ms since the run started. */
  timeline: { at: number; ms: number }[];
  commandLatencies: number[];
  errors: number;
  firstError?: string;
}

/** Deposit, then at once ask for the account consistent with the deposit's position. */
async function appendToVisible(baseUrl: string, accounts: string[]): Promise<VisibilityResult> {
  const result: VisibilityResult = { samples: [], timeline: [], commandLatencies: [], errors: 0 };
  let taken = 0;
  const startedAt = process.hrtime.bigint();
  async function client(): Promise<void> {
    while (taken < settings.latencySamples) {
      const accountId = accounts[taken++ % accounts.length];
      try {
        const sentAt = process.hrtime.bigint();
        const command = await call(baseUrl, 'POST', `/accounts/${accountId}/deposits`, {
          amount: 1,
        });
        if (command.status !== 200) {
          throw new Error(`deposit: ${command.status} ${JSON.stringify(command.body)}`);
        }
        result.commandLatencies.push(elapsedMs(sentAt));
        const answeredAt = process.hrtime.bigint();
        const read = await call(
          baseUrl,
          'GET',
          `/accounts/${accountId}?consistentWith=${command.body.position}`,
        );
        const visibleAfter = elapsedMs(answeredAt);
        if (read.status !== 200 || read.body.revision < command.body.revision) {
          throw new Error(`read: ${read.status} ${JSON.stringify(read.body)}`);
        }
        result.samples.push(visibleAfter);
        result.timeline.push({ at: elapsedMs(startedAt), ms: visibleAfter });
      } catch (error) {
        result.errors++;
        result.firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  }
  await Promise.all(Array.from({ length: settings.latencyConcurrency }, client));
  return result;
}

/** A read that waits for nothing, as the floor under the consistentWith figures. */
async function plainReads(baseUrl: string, accounts: string[], count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const startedAt = process.hrtime.bigint();
    const read = await call(baseUrl, 'GET', `/accounts/${accounts[i % accounts.length]}`);
    if (read.status !== 200) throw new Error(`plain read: ${read.status}`);
    samples.push(elapsedMs(startedAt));
  }
  return samples;
}

/** Everything the benchmark prints, kept for the report. */
const printed: string[] = [];
function print(line: string): void {
  console.log(line);
  printed.push(line);
}

/** Counts per whole second since the run started; the last, partial second is left out. */
function perSecond(times: number[], runSeconds: number): { second: number; commands: number }[] {
  const counts = new Map<number, number>();
  for (const at of times) {
    const second = Math.floor(at / 1000);
    if (second < Math.floor(runSeconds)) counts.set(second, (counts.get(second) ?? 0) + 1);
  }
  return [...counts].sort(([a], [b]) => a - b).map(([second, commands]) => ({ second, commands }));
}

/** p50 and p99 of the samples that finished in each second. */
function percentilesPerSecond(samples: { at: number; ms: number }[]) {
  const buckets = new Map<number, number[]>();
  for (const { at, ms } of samples) {
    const second = Math.floor(at / 1000);
    buckets.set(second, [...(buckets.get(second) ?? []), ms]);
  }
  return [...buckets]
    .sort(([a], [b]) => a - b)
    .flatMap(([second, values]) => {
      const sorted = values.sort((a, b) => a - b);
      return [
        { second, percentile: 'p50' as const, ms: percentile(sorted, 50) },
        { second, percentile: 'p99' as const, ms: percentile(sorted, 99) },
      ];
    });
}

const REPORT_HTML = join(__dirname, '..', 'docs', 'bench-report.html');
const REPORT_SVG = join(__dirname, '..', 'docs', 'bench-report.svg');

async function main(): Promise<void> {
  const cpuList = cpus();
  print(
    `machine: ${cpuList.length} cpus (${cpuList[0]?.model.trim() ?? 'unknown'}), ` +
      `${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.version}, ${process.platform}, ` +
      `load average ${loadavg()[0].toFixed(2)} at start (other work on the machine skews the figures)`,
  );
  print(
    `settings: ${settings.accounts} accounts, concurrency ${settings.concurrency}, ` +
      `${settings.seconds} s or ${settings.maxRequests} requests, ` +
      `${settings.warmupRequests} warm-up requests, ${settings.latencySamples} visibility samples ` +
      `at concurrency ${settings.latencyConcurrency}; app: npm start on a fresh temp DATA_DIR, ` +
      `teller bearer token, rate limits lifted`,
  );

  // The floors first, while nothing else of this run is running.
  const raw = rawSqliteCommitsPerSecond(settings.rawSeconds);
  print(
    `raw better-sqlite3, WAL, synchronous = FULL, one event per commit: ` +
      `${raw.perSecond.toFixed(1)} commits/s (${raw.commits} in ${settings.rawSeconds} s)`,
  );
  const accountIds = Array.from({ length: settings.accounts }, (_, i) => `bench-${i}`);
  const bare = await bareNestRequestsPerSecond(accountIds);
  const bareRate = bare.ok / bare.seconds;
  print(
    `bare NestJS POST route: ${bareRate.toFixed(1)} requests/s (${bare.ok} ok, ${bare.errors} ` +
      `errors, concurrency ${settings.concurrency}, ${bare.seconds.toFixed(2)} s); ${summary(bare.latencies)}`,
  );
  print(`  CPU per request: ${cpuSummary(bare.cpu)}`);

  const app = await startApp();
  const watchdog = setTimeout(() => {
    console.error(`Benchmark exceeded ${WATCHDOG_MS} ms; killing the app`);
    void app.kill('SIGKILL');
    rmSync(app.dataDir, { recursive: true, force: true });
    process.exit(1);
  }, WATCHDOG_MS);
  watchdog.unref();
  const interrupted = () => {
    void app.kill('SIGKILL');
    rmSync(app.dataDir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    const accounts = await openAccounts(app.url);
    await deposits(app.url, accounts, { requests: settings.warmupRequests, seconds: 30 });

    const runStartedAt = performance.now() - app.spawnedAt;
    const cpu = cpuWindow({ server: app.pid });
    const run = await deposits(app.url, accounts, {
      requests: settings.maxRequests,
      seconds: settings.seconds,
    });
    const appCpu = cpu.end(run.ok);
    if (process.env.BENCH_CPU_PROF) {
      const window = `${runStartedAt.toFixed(0)}-${(performance.now() - app.spawnedAt).toFixed(0)}`;
      print(`  cpu profile window of this run: ${window} (ms since the app was spawned)`);
    }
    print(
      `deposits: ${(run.ok / run.seconds).toFixed(1)} commands/s ` +
        `(${run.ok} ok, ${run.errors} errors, concurrency ${settings.concurrency}, ` +
        `${run.seconds.toFixed(2)} s)`,
    );
    print(`  deposit response time: ${summary(run.latencies)}`);
    print(`  CPU per deposit: ${cpuSummary(appCpu)}`);
    if (run.firstError) print(`  first error: ${run.firstError}`);
    const depositRate = run.ok / run.seconds;
    const floor = Math.min(bareRate, raw.perSecond);
    print(
      `ratio: HTTP deposits / slower floor (${bareRate < raw.perSecond ? 'bare NestJS' : 'raw SQLite'}` +
        ` ${floor.toFixed(1)}/s) = ${(depositRate / floor).toFixed(2)} (goal >= 0.6)`,
    );

    // How far the read models trail the commands once the load stops.
    const catchUpStartedAt = process.hrtime.bigint();
    const caughtUp = await call(
      app.url,
      'GET',
      `/accounts/${accounts[0]}?consistentWith=${run.lastPosition}`,
    );
    print(
      `  read models caught up ${elapsedMs(catchUpStartedAt).toFixed(1)} ms after the last ` +
        `answer (status ${caughtUp.status})`,
    );

    const plain = await plainReads(app.url, accounts, 200);
    const visible = await appendToVisible(app.url, accounts);
    print(
      `append-to-visible via consistentWith: ${summary(visible.samples)} ` +
        `(${visible.samples.length} samples, ${visible.errors} errors, ` +
        `concurrency ${settings.latencyConcurrency})`,
    );
    print(`  deposit response time at that load: ${summary(visible.commandLatencies)}`);
    print(`  plain GET /accounts/{id} for comparison: ${summary(plain)} (200 samples)`);
    if (visible.firstError) print(`  first error: ${visible.firstError}`);
    if (run.errors > 0 || visible.errors > 0 || bare.errors > 0) process.exitCode = 1;
    await writeBenchReport(
      {
        throughput: perSecond(run.completedAt, run.seconds),
        lag: percentilesPerSecond(visible.timeline),
        summary: printed,
      },
      REPORT_HTML,
      REPORT_SVG,
    );
    print(`report: ${REPORT_HTML} and ${REPORT_SVG}`);
  } catch (error) {
    console.error(`Benchmark failed: ${error instanceof Error ? error.message : error}`);
    console.error(`Last app output:\n${app.output().split('\n').slice(-20).join('\n')}`);
    process.exitCode = 1;
  } finally {
    clearTimeout(watchdog);
    await stopApp(app);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
