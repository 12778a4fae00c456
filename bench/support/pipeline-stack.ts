/**
 * Servers and role processes for bench/pipeline.bench.ts: Kafka and the MongoDB-wire server from
 * infra/infra.sh when the environment does not name them, and `src/main.ts` started once per role,
 * as `npm start` runs it. Every child started here is killed by `stopAllRoles`, and with SIGKILL on
 * exit should the benchmark end any other way.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnLedgerProcess } from '../../harness/ledger-process';

export const ROOT = resolve(__dirname, '../..');
const INFRA_SCRIPT = 'infra/infra.sh';
const INFRA_TIMEOUT_MS = 300_000;
const STOP_GRACE_MS = 5000;

export interface Infra {
  brokers: string;
  /** The URL infra.sh or the environment gave; its database name is replaced per run. */
  mongoUrl: string;
  /** The servers this run started, and so must stop. */
  started: Array<'kafka' | 'mongo'>;
}

/**
 * Uses KAFKA_BROKERS and MONGODB_URL when both are set; otherwise runs `infra.sh up`, takes the
 * printed `export` lines, and notes which servers it really started (it leaves running ones be).
 */
export function ensureInfra(): Infra {
  const { KAFKA_BROKERS: brokers, MONGODB_URL: mongoUrl } = process.env;
  if (brokers && mongoUrl) return { brokers, mongoUrl, started: [] };
  const up = spawnSync('bash', [INFRA_SCRIPT, 'up'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: INFRA_TIMEOUT_MS,
  });
  process.stderr.write(up.stderr ?? '');
  if (up.status !== 0) {
    throw new Error(`${INFRA_SCRIPT} up failed (status ${up.status}, ${up.error?.message ?? ''})`);
  }
  const exported = new Map(
    [...up.stdout.matchAll(/^export (\w+)=(.*)$/gm)].map(([, name, value]) => [name, value]),
  );
  const started: Infra['started'] = [];
  if (/^infra: kafka started/m.test(up.stderr)) started.push('kafka');
  if (/^infra: mongo-wire started/m.test(up.stderr)) started.push('mongo');
  const infra = {
    brokers: brokers ?? exported.get('KAFKA_BROKERS') ?? '',
    mongoUrl: mongoUrl ?? exported.get('MONGODB_URL') ?? '',
    started,
  };
  if (!infra.brokers || !infra.mongoUrl) {
    stopInfra(infra);
    throw new Error(`${INFRA_SCRIPT} up printed no KAFKA_BROKERS/MONGODB_URL:\n${up.stdout}`);
  }
  return infra;
}

/** Stops only what `ensureInfra` started. */
export function stopInfra(infra: Infra): void {
  for (const server of infra.started) {
    const down = spawnSync('bash', [INFRA_SCRIPT, `stop-${server}`], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: INFRA_TIMEOUT_MS,
    });
    process.stderr.write(down.stderr ?? '');
  }
  infra.started = [];
}

export interface RoleProcess {
  role: string;
  url: string;
  child: ChildProcess;
  /** performance.now() when the process was spawned. */
  spawnedAt: number;
  exited: Promise<void>;
  isAlive(): boolean;
  /** The last lines the process printed, for failure messages. */
  tail(lines?: number): string;
}

const children = new Set<RoleProcess>();
let exitHookInstalled = false;

/** Starts `src/main.ts` with LEDGER_ROLE=role; does not wait for it (see `waitHealthy`). */
export async function startRole(role: string, env: Record<string, string>): Promise<RoleProcess> {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Last resort: whatever way the benchmark ends, no role process outlives it.
    process.on('exit', () => {
      for (const child of children) if (child.isAlive()) child.child.kill('SIGKILL');
    });
  }
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString().split('\n').filter(Boolean));
    if (output.length > 400) output.splice(0, output.length - 400);
  };
  const { child, url, exited, isAlive } = await spawnLedgerProcess(
    { ...env, LEDGER_ROLE: role },
    keep,
  );
  const processHandle: RoleProcess = {
    role,
    url,
    child,
    spawnedAt: performance.now(),
    exited: exited.then(() => undefined),
    isAlive,
    tail: (lines = 30) => output.slice(-lines).join('\n'),
  };
  children.add(processHandle);
  return processHandle;
}

export async function waitHealthy(role: RoleProcess, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (!role.isAlive()) throw new Error(`${role.role} exited during start-up:\n${role.tail()}`);
    try {
      const response = await fetch(`${role.url}/health`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    if (performance.now() > deadline) {
      throw new Error(`${role.role} not healthy after ${timeoutMs} ms:\n${role.tail()}`);
    }
    await sleep(100);
  }
}

/** SIGTERM (the role's own orderly shutdown, leaving its consumer groups), SIGKILL after 5 s. */
export async function stopRole(role: RoleProcess): Promise<void> {
  if (role.isAlive()) {
    role.child.kill('SIGTERM');
    const timedOut = await Promise.race([
      role.exited.then(() => false),
      sleep(STOP_GRACE_MS, true, { ref: false }),
    ]);
    if (timedOut && role.isAlive()) role.child.kill('SIGKILL');
  }
  await role.exited;
  children.delete(role);
}

export async function stopAllRoles(): Promise<void> {
  await Promise.all([...children].map(stopRole));
}

/** The last lines of every role process still known, for failure messages. */
export function roleTails(lines = 15): string {
  return [...children]
    .map(
      (role) => `--- ${role.role} (${role.isAlive() ? 'running' : 'exited'}):\n${role.tail(lines)}`,
    )
    .join('\n');
}

/** Kills every role process at once, for signals and the watchdog; no waiting. */
export function killAllRoles(): void {
  for (const child of children) if (child.isAlive()) child.child.kill('SIGKILL');
}
