import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { httpClient } from '../../harness/http-client';
import { removeDataDir, tempDataDir } from '../../harness/data-dir';
import { type LedgerProcess, startLedgerProcess } from '../../harness/ledger-process';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');

describe('the ledger CLI, not on a terminal', () => {
  const dataDir = tempDataDir();
  let ledger: LedgerProcess;
  const cli = (...args: string[]) =>
    run(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'scripts/ledger-cli.ts', ...args],
      {
        cwd: ROOT,
        env: { ...process.env, LEDGER_URL: ledger.url },
        timeout: 60_000,
      },
    );

  beforeAll(async () => {
    ledger = await startLedgerProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    const http = httpClient(ledger.url);
    await http.post('/accounts', { ownerId: 'cli', currency: 'EUR', accountId: 'cli-1' });
    for (let i = 0; i < 5; i++) await http.post('/accounts/cli-1/deposits', { amount: 10 });
  }, 90_000);
  afterAll(async () => {
    await ledger.kill('SIGTERM');
    removeDataDir(dataDir);
  });

  it('reports every projection’s status', async () => {
    const { stdout } = await cli('status');
    expect(stdout).toMatch(/account-summary v\d+: live; checkpoint \d+ of 6/);
    expect(stdout).toMatch(/account-transactions v\d+: live/);
  });

  it('exports the selected events to a file, with plain progress lines', async () => {
    const file = join(dataDir, 'deposits.ndjson');
    const { stdout } = await cli('export', '--file', file, '--types', 'MoneyDeposited');
    expect(stdout).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z export to .*: 6\/6$/m);
    expect(stdout).toContain(`exported 5 events to ${file}`);
    const events = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.map((e) => e.type)).toEqual(Array(5).fill('MoneyDeposited'));
    expect(events.map((e) => e.revision)).toEqual([1, 2, 3, 4, 5]);
  });

  it('rebuilds a projection and waits for it', async () => {
    const { stdout } = await cli('rebuild', 'account-summary');
    expect(stdout).toMatch(/rebuild account-summary: \d+\/\d+/);
    expect(stdout).toContain('account-summary rebuilt');
    const account = await httpClient(ledger.url).get('/accounts/cli-1');
    expect(account.body.balance).toBe(50);
  }, 60_000);
});
