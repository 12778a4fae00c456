import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const INFRA_SCRIPT = resolve(__dirname, '../../infra/infra.sh');

/** The servers `infra/infra.sh up` runs for integration tests. */
export type InfraServer = 'kafka' | 'mongo';

export interface StopOptions {
  /** SIGKILL at once, as a crash would, instead of SIGTERM and a graceful shutdown. */
  kill?: boolean;
}

/**
 * Stops one server, for tests of what happens while it is gone. Other test files running at the
 * same time lose it too: run such tests with `--runInBand`.
 */
export async function stopServer(server: InfraServer, options: StopOptions = {}): Promise<void> {
  await infra(`stop-${server}`, ...(options.kill ? ['--kill'] : []));
}

/** Starts a stopped server on its earlier port and data; resolves once it serves clients. */
export async function startServer(server: InfraServer): Promise<void> {
  await infra(`start-${server}`);
}

async function infra(...args: string[]): Promise<void> {
  try {
    await run('bash', [INFRA_SCRIPT, ...args], { timeout: 120_000 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`infra.sh ${args.join(' ')} failed: ${stderr.trim()}`, { cause: error });
  }
}
