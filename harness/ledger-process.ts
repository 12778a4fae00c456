import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = resolve(__dirname, '..');

export interface LedgerProcess {
  url: string;
  pid: number;
  /** Everything the process printed so far, for failure messages. */
  output(): string;
  /** Sends a signal; resolves when the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export interface ProcessOptions {
  /** The entry point, relative to the repository root: `src/main.ts` unless a benchmark says. */
  script?: string;
  /** Extra node flags, such as `--cpu-prof`. */
  nodeArgs?: string[];
}

export interface SpawnedProcess {
  child: ChildProcess;
  url: string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  isAlive(): boolean;
}

/**
 * Starts the entry point as its own OS process on a free port, as `npm start` does, and hands
 * everything it prints to `onOutput`; does not wait for it to listen.
 */
export async function spawnLedgerProcess(
  env: Record<string, string>,
  onOutput: (chunk: Buffer) => void,
  { script = 'src/main.ts', nodeArgs = [] }: ProcessOptions = {},
): Promise<SpawnedProcess> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [...nodeArgs, '-r', 'ts-node/register/transpile-only', script],
    {
      cwd: ROOT,
      env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout!.on('data', onOutput);
  child.stderr!.on('data', onOutput);
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    exited: once(child, 'exit').then(([code]) => code as number | null),
    isAlive: () => child.exitCode === null && child.signalCode === null,
  };
}

/** Starts `src/main.ts` as its own OS process, as `npm start` does, and waits for /health. */
export async function startLedgerProcess(
  env: Record<string, string>,
  readyTimeoutMs = 60_000,
  options: ProcessOptions = {},
): Promise<LedgerProcess> {
  let output = '';
  const { child, url, exited, isAlive } = await spawnLedgerProcess(
    env,
    (chunk) => (output += chunk.toString()),
    options,
  );
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (!isAlive()) {
      throw new Error(`ledger process exited during start-up:\n${output}`);
    }
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`ledger process not ready after ${readyTimeoutMs} ms:\n${output}`);
    }
    await sleep(100);
  }
  return {
    url,
    pid: child.pid!,
    output: () => output,
    kill: async (signal = 'SIGKILL') => {
      if (isAlive()) child.kill(signal);
      return exited;
    },
  };
}
