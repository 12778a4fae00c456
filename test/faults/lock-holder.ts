import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '../..');

/** Another OS process that takes a file's write lock (BEGIN IMMEDIATE) and keeps it until released. */
const HOLDER = `
  const Database = require('better-sqlite3');
  const db = new Database(process.env.LOCK_FILE);
  db.pragma('busy_timeout = 10000');
  db.exec('BEGIN IMMEDIATE');
  process.stdout.write('locked\\n');
  process.on('SIGTERM', () => { db.exec('ROLLBACK'); db.close(); process.exit(0); });
  setInterval(() => {}, 1000);
`;

export interface LockHolder {
  release(): Promise<void>;
}

export async function holdWriteLock(file: string): Promise<LockHolder> {
  const child: ChildProcess = spawn(process.execPath, ['-e', HOLDER], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOCK_FILE: file },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  if (!chunk.toString().includes('locked')) throw new Error(`lock holder said ${chunk}`);
  const exited = once(child, 'exit');
  return {
    release: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
