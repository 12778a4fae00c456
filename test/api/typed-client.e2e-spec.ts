import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ledgerForSuite, type RunningLedger } from '../support/ledger-app';

const ROOT = join(__dirname, '..', '..');

describe('The typed client', () => {
  let ledger: RunningLedger;

  ledgerForSuite((started) => {
    ledger = started;
  });

  // openapi-typescript is an ES module Jest's runtime cannot load, so the check runs in Node.
  it('is generated from the running app’s document as it is now', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        'scripts/generate-client.ts',
        '--check',
        `${ledger.baseUrl}/docs/openapi.json`,
      ],
      { cwd: ROOT },
    );
    expect(stdout).toContain('is up to date');
  }, 60_000);
});
