import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Start-up with a DATA_DIR that cannot hold the stores stops with one line naming DATA_DIR. */

const ROOT = resolve(__dirname, '../..');

function start(dataDir: string): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((done) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, stderr, stdout });
    }),
  );
}

async function expectOneLineNamingDataDir(dataDir: string, why: RegExp): Promise<void> {
  const { code, stderr, stdout } = await start(dataDir);
  expect(code).toBe(1);
  expect(stdout).toBe('');
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toEqual([expect.stringMatching(/^Invalid setting DATA_DIR: /)]);
  expect(lines[0]).toMatch(why);
}

describe('a bad DATA_DIR at start-up', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'ledgerline-bad-dir-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('is a file', async () => {
    const file = join(scratch, 'a-file');
    writeFileSync(file, 'not a folder');
    await expectOneLineNamingDataDir(file, /a file is in the way/);
  }, 90_000);

  it('has a parent that cannot be created (a file stands where a folder should)', async () => {
    const file = join(scratch, 'parent-file');
    writeFileSync(file, '');
    await expectOneLineNamingDataDir(join(file, 'sub', 'data'), /not a folder|cannot be created/);
  }, 90_000);

  it('cannot be written', async () => {
    const readOnly = join(scratch, 'read-only');
    execFileSync('mkdir', ['-p', readOnly]);
    let mounted = false;
    if (process.getuid?.() === 0) {
      // Root writes through file permissions: only a read-only mount stops it.
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', readOnly]);
      mounted = true;
    } else {
      chmodSync(readOnly, 0o555);
    }
    try {
      await expectOneLineNamingDataDir(readOnly, /is not writable/);
    } finally {
      if (mounted) execFileSync('umount', [readOnly]);
    }
  }, 90_000);
});
