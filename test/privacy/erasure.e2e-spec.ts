import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ERASED } from '../../src/domain/personal-data';
import { getText, tamperWithEventStore } from '../audit/audit-fixtures';
import { eventually } from '../support/eventually';
import { httpClient, type HttpClient } from '../../harness/http-client';
import { ledgerForSuite, type RunningLedger } from '../support/ledger-app';

const SCRIPT = resolve(__dirname, '../../scripts/verify-audit-chain.js');

/** Personal data of one subject: their id (owner and token subject) and their free texts. */
const ERIN = 'erin-private-owner';
const SALARY = 'erin-salary-ref-7781';
const RENT = 'erin-rent-ref-4410';
const FRANK = 'frank-other-owner';
const FRANK_GIFT = 'frank-gift-ref-2093';
const READ_MODELS = ['account_summaries', 'account_transactions', 'transfer_statuses'];
const PROJECTIONS = ['account-summary', 'account-transactions', 'transfer-status'];

/** Every file of the data folder that holds one of the needles, byte for byte. */
function filesHolding(dataDir: string, needles: string[]): string[] {
  return readdirSync(dataDir).flatMap((name) => {
    const bytes = readFileSync(join(dataDir, name));
    return needles
      .filter((needle) => bytes.includes(Buffer.from(needle)))
      .map((n) => `${name}:${n}`);
  });
}

/** Whether any sealed value (ciphertext) shows through an answer as if it were data. */
const showsCiphertext = (body: unknown) => JSON.stringify(body).includes('$sealed');

describe('personal data sealed at rest, and erased on request (embedded default)', () => {
  let ledger: RunningLedger;
  let staff: HttpClient;
  let erin: HttpClient;
  let head: number;
  let transferId: string;

  ledgerForSuite(async (started) => {
    ledger = started;
    staff = httpClient(ledger.baseUrl);
    erin = httpClient(ledger.baseUrl, { subject: ERIN, roles: ['client'] });
    const open = (accountId: string, ownerId: string) =>
      staff.post('/accounts', { ownerId, currency: 'EUR', accountId });
    expect((await open('erin-1', ERIN)).status).toBe(201);
    expect((await open('frank-1', FRANK)).status).toBe(201);
    await staff.post('/accounts/erin-1/deposits', { amount: 10_000, reference: SALARY });
    await staff.post('/accounts/frank-1/deposits', { amount: 500, reference: FRANK_GIFT });
    expect((await erin.post('/accounts/erin-1/withdrawals', { amount: 700 })).status).toBe(200);
    const transfer = await erin.post('/transfers', {
      fromAccountId: 'erin-1',
      toAccountId: 'frank-1',
      amount: 1_200,
      reference: RENT,
    });
    expect(transfer.status).toBe(202);
    transferId = transfer.body.transferId;
    await eventually(async () => {
      const status = await staff.get(`/transfers/${transferId}`);
      expect(status.body.status).toBe('completed');
    }, 20_000);
    head = await ledger.eventStore.headPosition();
    await staff.get(`/accounts/frank-1?consistentWith=${head}`);
  });

  async function answers() {
    const at = `consistentWith=${await ledger.eventStore.headPosition()}`;
    return {
      erin: (await staff.get(`/accounts/erin-1?${at}`)).body,
      frank: (await staff.get(`/accounts/frank-1?${at}`)).body,
      erinOwned: (await staff.get(`/accounts?ownerId=${ERIN}&${at}`)).body,
      erinTransactions: (await staff.get(`/accounts/erin-1/transactions?${at}`)).body,
      frankTransactions: (await staff.get(`/accounts/frank-1/transactions?${at}`)).body,
      transfer: (await staff.get(`/transfers/${transferId}?${at}`)).body,
    };
  }

  async function readModels() {
    const documents: Record<string, unknown[]> = {};
    for (const name of READ_MODELS) {
      documents[name] = await ledger.readStore.collection(name).find({}, { sort: { _id: 1 } });
    }
    return documents;
  }

  it('keeps every personal field out of every file of the data folder, byte for byte', async () => {
    // The answers show them: they are there, sealed.
    const before = await answers();
    expect(before.erin.ownerId).toBe(ERIN);
    expect(before.erinTransactions.items.map((t: { reference?: string }) => t.reference)).toEqual(
      expect.arrayContaining([SALARY]),
    );
    expect(before.transfer.reference).toBe(RENT);
    expect(before.erinOwned.items.map((a: { accountId: string }) => a.accountId)).toEqual([
      'erin-1',
    ]);
    const files = readdirSync(ledger.dataDir);
    expect(files).toEqual(expect.arrayContaining(['events.sqlite', 'read-models.sqlite']));
    expect(filesHolding(ledger.dataDir, [ERIN, SALARY, RENT, FRANK, FRANK_GIFT])).toEqual([]);
  });

  it('lets owners act on and read their own accounts by blind index, and nobody else', async () => {
    const mallory = httpClient(ledger.baseUrl, { subject: 'mallory', roles: ['client'] });
    expect((await mallory.post('/accounts/erin-1/withdrawals', { amount: 1 })).status).toBe(404);
    expect((await mallory.get('/accounts/erin-1')).status).toBe(404);
    expect((await erin.get('/accounts/erin-1')).body.ownerId).toBe(ERIN);
    expect((await erin.get('/accounts')).body.items).toHaveLength(1);
  });

  it('erases a subject: recorded, keys gone, reads show erased, money and chains intact', async () => {
    const before = await answers();
    const documentsBefore = await readModels();

    // Only an admin asks, with an authority.
    const path = `/privacy/subjects/${ERIN}/erasure`;
    const teller = httpClient(ledger.baseUrl, { subject: 'teller-9', roles: ['teller'] });
    expect((await teller.post(path, { authority: 'case 1' })).status).toBe(403);
    const blank = await staff.post(path, { authority: ' ' });
    expect(blank.status).toBe(400);
    expect((await staff.post(path, {})).status).toBe(400);
    expect((await staff.post('/privacy/subjects/%20/erasure', { authority: 'x' })).body.code).toBe(
      'INVALID_SUBJECT',
    );
    expect(await ledger.eventStore.headPosition()).toBe(head);

    const erased = await staff.post(path, { authority: 'GDPR Art. 17, case 2026-114' });
    expect(erased.status).toBe(200);
    expect(erased.body).toEqual({
      subject: expect.stringMatching(/^[0-9a-f]{32}$/),
      keysDeleted: 1,
      position: head + 1,
    });
    const [record] = await ledger.openedEventStore.readStream(`erasure-${erased.body.subject}`);
    expect(record).toMatchObject({
      type: 'DataSubjectErased',
      data: { subject: erased.body.subject, authority: 'GDPR Art. 17, case 2026-114' },
      metadata: { actor: { subject: 'staff' } },
    });
    // Asking again records nothing more.
    expect((await staff.post(path, { authority: 'again' })).body).toMatchObject({
      keysDeleted: 0,
      position: null,
    });

    // Reads: the same answers, with Erin's personal fields erased and nobody else's.
    const after = await answers();
    const erasedReference = (items: { reference?: string }[], gone: string[]) =>
      items.map((t) => (gone.includes(t.reference!) ? { ...t, reference: ERASED } : t));
    expect(after).toEqual({
      erin: { ...before.erin, ownerId: ERASED },
      frank: before.frank,
      erinOwned: {
        ...before.erinOwned,
        items: before.erinOwned.items.map((a: object) => ({ ...a, ownerId: ERASED })),
      },
      erinTransactions: {
        ...before.erinTransactions,
        items: erasedReference(before.erinTransactions.items, [SALARY]),
      },
      frankTransactions: before.frankTransactions,
      transfer: { ...before.transfer, reference: ERASED },
    });
    expect(after.erin.balance).toBe(10_000 - 700 - 1_200);
    expect(showsCiphertext(after)).toBe(false);

    // Time travel and the analysts' log open the same way.
    const past = await staff.get('/history/accounts/erin-1?asOfRevision=1');
    expect(past.body).toMatchObject({ ownerId: ERASED, balance: 10_000 });
    const log = await staff.get('/streams/account-erin-1/events?limit=100');
    const [opened, deposit, withdrawal] = log.body.items;
    expect(opened.data.ownerId).toBe(ERASED);
    expect(deposit.data).toMatchObject({ amount: 10_000, reference: ERASED });
    expect(withdrawal.metadata.actor.subject).toBe(ERASED);
    expect(opened.metadata.actor.subject).toBe('staff');
    expect(showsCiphertext(log.body)).toBe(false);
    const balances = await staff.get(`/history/balances?asOf=${new Date().toISOString()}`);
    expect(balances.status).toBe(200);
    expect(showsCiphertext(balances.body)).toBe(false);

    // The blind index of her token subject still names the owner: Erin keeps her money.
    const own = await erin.get('/accounts/erin-1');
    expect(own.body).toMatchObject({ ownerId: ERASED, balance: after.erin.balance });

    // Verification: every chain intact, and how many events carry erased fields.
    const verified = await staff.get('/audit/verify');
    expect(verified.body).toMatchObject({ failedCount: 0, failures: [] });
    // Erin's stream (opened, deposit, withdrawal, debit, settled), her transfer's request, and
    // her withdrawal's and transfer's actor: counted once per event.
    expect(verified.body.eventsWithErasedFields).toBeGreaterThanOrEqual(5);

    // A rebuild after the erasure gives the same read models as before it: the sealed values
    // are the same bytes, only their key is gone.
    for (const name of PROJECTIONS) {
      expect((await staff.post(`/projections/${name}/rebuild`)).status).toBe(202);
      await eventually(async () => {
        const listed = await staff.get('/projections');
        expect(listed.body.find((p: { name: string }) => p.name === name).status).toBe('live');
      }, 60_000);
    }
    expect(await readModels()).toEqual(documentsBefore);
    expect(await answers()).toEqual(after);
  });

  it('passes the external verifier on an export taken after the erasure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledgerline-erased-'));
    try {
      const erasureStream = (await ledger.eventStore.readAll({}))
        .map((event) => event.streamId)
        .find((stream) => stream.startsWith('erasure-'))!;
      let exported = '';
      for (const stream of ['account-erin-1', 'account-frank-1', erasureStream]) {
        const answer = await getText(ledger, `/audit/streams/${stream}`, 'application/x-ndjson');
        expect(answer.status).toBe(200);
        exported += answer.text;
      }
      const file = join(dir, 'after-erasure.ndjson');
      writeFileSync(file, exported);
      const run = spawnSync(process.execPath, [SCRIPT, file], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^OK account-erin-1 revisions 0\.\.\d+ head [0-9a-f]{64}$/m);
      expect(run.stdout).toMatch(
        /^PERSONAL \d+ events carry sealed personal fields; [1-9]\d* of them carry fields of erased subjects \(1 DataSubjectErased events in this export\)$/m,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('still detects an edited ciphertext, and reads it as unreadable rather than as data', async () => {
    tamperWithEventStore(ledger, (db) => {
      const row = db
        .prepare("SELECT data FROM events WHERE stream_id = 'account-frank-1' AND revision = 1")
        .get() as { data: string };
      const data = JSON.parse(row.data);
      const ct = Buffer.from(data.reference.ct, 'base64');
      ct[0] ^= 0x01;
      data.reference.ct = ct.toString('base64');
      db.prepare(
        "UPDATE events SET data = ? WHERE stream_id = 'account-frank-1' AND revision = 1",
      ).run(JSON.stringify(data));
    });
    const verified = await staff.get('/audit/streams/account-frank-1/verify');
    expect(verified.body).toMatchObject({ ok: false, revision: 1, reason: 'edited' });
    const log = await staff.get('/streams/account-frank-1/events?limit=10');
    expect(log.body.items[1].data.reference).toBe('[unreadable]');
  });
});
