import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { DEAD_LETTERS, type DeadLetters } from '../../src/event-feed/dead-letters.port';
import { eventually } from '../support/eventually';
import { apiClient } from '../../harness/http-client';
import { ledgerForSuite, type RunningLedger } from '../support/ledger-app';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');

/**
 * A movement whose read-model row went missing stands for an event the projection once could not
 * apply: it is dead-lettered, listed to an admin, and re-driven over HTTP or with the CLI.
 */
describe('dead letters of a projection', () => {
  let ledger: RunningLedger;
  let api: ReturnType<typeof apiClient>;
  const projection = (name: string) => ({ params: { path: { name } } });
  let deadLetters: DeadLetters;
  const transactions = () => ledger.readStore.collection('account_transactions');

  ledgerForSuite(async (started) => {
    ledger = started;
    api = apiClient(ledger.baseUrl);
    deadLetters = ledger.app.get(DEAD_LETTERS);
    await api.POST('/accounts', { body: { ownerId: 'dl', currency: 'EUR', accountId: 'dl-1' } });
    await api.POST('/accounts/{id}/deposits', {
      params: { path: { id: 'dl-1' } },
      body: { amount: 700 },
    });
    await eventually(async () =>
      expect(await transactions().findOne({ _id: 'dl-1:1' })).not.toBeNull(),
    );
  });

  async function loseAndDeadLetter(): Promise<void> {
    const [deposit] = await ledger.eventStore.readStream('account-dl-1', { fromRevision: 1 });
    await transactions().deleteMany({ _id: 'dl-1:1' });
    await deadLetters.record('account-transactions', deposit, 'disk said no');
  }

  it('lists them to an admin and to nobody else', async () => {
    await loseAndDeadLetter();
    const listed = await api.GET(
      '/projections/{name}/dead-letters',
      projection('account-transactions'),
    );
    expect(listed.response.status).toBe(200);
    expect(listed.data).toEqual({
      projection: 'account-transactions',
      items: [
        expect.objectContaining({
          streamId: 'account-dl-1',
          revision: 1,
          type: 'MoneyDeposited',
          reason: 'disk said no',
        }),
      ],
    });
    const analyst = apiClient(ledger.baseUrl, { subject: 'an', roles: ['analyst', 'teller'] });
    const transactionsModel = projection('account-transactions');
    const list = await analyst.GET('/projections/{name}/dead-letters', transactionsModel);
    expect(list.response.status).toBe(403);
    const redrive = await analyst.POST(
      '/projections/{name}/dead-letters/redrive',
      transactionsModel,
    );
    expect(redrive.response.status).toBe(403);
  });

  it('re-drives them: the read model gets the event and the letter is gone', async () => {
    const answer = await api.POST(
      '/projections/{name}/dead-letters/redrive',
      projection('account-transactions'),
    );
    expect(answer.response.status).toBe(200);
    expect(answer.data).toEqual({ projection: 'account-transactions', redriven: 1, stillDead: 0 });
    expect(await transactions().findOne({ _id: 'dl-1:1' })).toMatchObject({ amount: 700 });
    expect(await deadLetters.list('account-transactions')).toEqual([]);
  });

  it('answers 404 for a projection that does not exist', async () => {
    const answer = await api.GET('/projections/{name}/dead-letters', projection('nope'));
    expect(answer.response.status).toBe(404);
    expect(answer.error!.code).toBe('PROJECTION_NOT_FOUND');
    const redrive = await api.POST('/projections/{name}/dead-letters/redrive', projection('nope'));
    expect(redrive.response.status).toBe(404);
  });

  it('lists and re-drives from the CLI', async () => {
    await loseAndDeadLetter();
    const cli = (...args: string[]) =>
      run(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', 'scripts/ledger-cli.ts', ...args],
        {
          cwd: ROOT,
          env: { ...process.env, LEDGER_URL: ledger.baseUrl },
          timeout: 60_000,
        },
      );
    const listed = await cli('dead-letters', 'account-transactions');
    expect(listed.stdout).toMatch(/account-dl-1@1 MoneyDeposited .*: disk said no/);
    expect(listed.stdout).toContain('1 dead letters in account-transactions');
    const redriven = await cli('redrive', 'account-transactions');
    expect(redriven.stdout).toContain('account-transactions: 1 re-driven, 0 still dead');
    expect(await transactions().findOne({ _id: 'dl-1:1' })).toMatchObject({ amount: 700 });
  }, 60_000);
});
