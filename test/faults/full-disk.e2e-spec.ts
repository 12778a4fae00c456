import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../support/eventually';
import { httpClient, type HttpClient } from '../../harness/http-client';
import { type RunningLedger, startLedger } from '../support/ledger-app';
import {
  committedButRefused,
  expectLedgerConsistent,
  sendDeposit,
  type SentDeposit,
} from './ledger-oracle';
import { wholeLog } from '../support/whole-log';

/**
 * A full disk, for real: the data folder is a small tmpfs, filled up while the app runs. Needs
 * root to mount it; elsewhere the test says so loudly and is skipped.
 */

const ACCOUNTS = ['full-a', 'full-b'];
/** Room for the WAL files to grow again once the filler is gone (each commit adds pages). */
const TMPFS_SIZE = '32m';

function mountTmpfs(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'ledgerline-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', dir], {
      stdio: 'pipe',
    });
    return dir;
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    console.error(
      `SKIPPED full-disk test: cannot mount a tmpfs here (${(error as Error).message.trim()})`,
    );
    return undefined;
  }
}

/** Writes a filler file until the file system refuses: nothing is left for anyone. */
function fillUp(dir: string): string {
  const filler = join(dir, 'filler');
  const chunk = Buffer.alloc(64 * 1024, 1);
  writeFileSync(filler, '');
  try {
    for (;;) writeFileSync(filler, chunk, { flag: 'a' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  }
  return filler;
}

const mounted = mountTmpfs();
const describeIfTmpfs = mounted ? describe : describe.skip;

describeIfTmpfs('a full disk under the embedded default', () => {
  const mountPoint = mounted!;
  let ledger: RunningLedger;
  let http: HttpClient;
  let counter = 0;

  /** A new deposit, or `sent` again. */
  function deposit(sent?: SentDeposit): Promise<SentDeposit> {
    return sendDeposit(
      http,
      sent ?? {
        accountId: ACCOUNTS[counter % 2],
        amount: 1 + (counter % 40),
        reference: `full-${++counter}`,
      },
    );
  }

  beforeAll(async () => {
    ledger = await startLedger(join(mountPoint, 'data'), {
      consistencyTimeoutMs: 15_000,
      rateLimit: { perSubject: 1_000_000, perAddress: 1_000_000 },
    });
    http = httpClient(ledger.baseUrl);
    for (const accountId of ACCOUNTS) {
      const opened = await http.post('/accounts', { ownerId: 'full', currency: 'EUR', accountId });
      expect(opened.status).toBe(201);
    }
  });
  afterAll(async () => {
    await ledger?.stop();
    execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it('answers 503 with a reason, turns readiness 503, recovers when space returns, and never calls a committed command failed', async () => {
    const acknowledged: SentDeposit[] = [];
    for (let i = 0; i < 20; i++) acknowledged.push(await deposit());
    expect(acknowledged.every((d) => d.status === 200)).toBe(true);

    const filler = fillUp(mountPoint);
    const duringFull: SentDeposit[] = [];
    for (let i = 0; i < 100; i++) duringFull.push(await deposit());
    const statuses = new Set(duringFull.map((d) => d.status));
    // Appends may still fit in space SQLite already holds, but none is a bare 500.
    expect([...statuses].every((s) => s === 200 || s === 503)).toBe(true);
    const refused = duringFull.filter((d) => d.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0].body).toMatchObject({ code: 'STORE_UNAVAILABLE', reason: 'full' });
    expect(refused.every((d) => d.body.reason === 'full')).toBe(true);
    const ready = await http.get('/health/ready');
    expect(ready.status).toBe(503);
    expect(Object.keys(ready.body.checks.error)).toContain('data-dir-space');

    // Nothing answered as failed was committed.
    expect(committedButRefused(duringFull, await wholeLog(ledger.openedEventStore))).toEqual([]);
    acknowledged.push(...duringFull.filter((d) => d.status === 200));

    rmSync(filler);
    await eventually(
      async () => expect((await http.get('/health/ready')).status).toBe(200),
      20_000,
    );
    for (const d of refused) {
      const retried = await eventually(async () => {
        const answer = await deposit(d);
        expect({ status: answer.status, body: answer.body }).toEqual({
          status: 200,
          body: expect.objectContaining({ accountId: d.accountId }),
        });
        return answer;
      }, 10_000);
      acknowledged.push(retried);
    }
    await expectLedgerConsistent(http, ledger.openedEventStore, acknowledged, ACCOUNTS);
  }, 120_000);
});
