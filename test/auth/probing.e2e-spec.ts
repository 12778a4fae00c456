import { eventually } from '../support/eventually';
import { httpClient, type HttpAnswer, type HttpClient } from '../../harness/http-client';
import { eventCount } from '../support/ledger-fold';
import { ledgerForSuite, type RunningLedger } from '../support/ledger-app';

/**
 * A client probing for other owners' accounts: every path that names an account answers an
 * unknown id and another owner's id alike, and a transfer to either tells nothing more than that
 * the money did not arrive.
 */
describe('nothing to probe', () => {
  let ledger: RunningLedger;
  let staff: HttpClient;
  let alice: HttpClient;
  let bobsTransfer: string;

  ledgerForSuite(async (started) => {
    ledger = started;
    staff = httpClient(ledger.baseUrl);
    alice = httpClient(ledger.baseUrl, { subject: 'alice', roles: ['client'] });
    const open = (accountId: string, ownerId: string, currency = 'EUR') =>
      staff.post('/accounts', { ownerId, currency, accountId });
    await open('alice-acc', 'alice');
    await open('bob-eur', 'bob');
    await open('bob-usd', 'bob', 'USD');
    await open('bob-closed', 'bob');
    await open('carol-acc', 'carol');
    await staff.post('/accounts/bob-closed/close');
    await staff.post('/accounts/alice-acc/deposits', { amount: 1000 });
    await staff.post('/accounts/bob-eur/deposits', { amount: 1000 });
    bobsTransfer = (
      await staff.post('/transfers', {
        fromAccountId: 'bob-eur',
        toAccountId: 'carol-acc',
        amount: 1,
      })
    ).body.transferId;
    await settled(staff, bobsTransfer);
  });

  async function settled(caller: HttpClient, transferId: string) {
    return eventually(async () => {
      const answer = await caller.get(`/transfers/${transferId}`);
      expect(['completed', 'failed']).toContain(answer.body.status);
      return answer.body;
    });
  }

  /** What a caller can compare: everything but the echo of its own URL. */
  const seen = ({ status, body }: HttpAnswer) => {
    const { instance: _instance, ...rest } = body ?? {};
    return { status, body: rest };
  };

  type Probe = (id: string) => Promise<HttpAnswer>;
  const probes: [string, Probe][] = [
    ['read an account', (id) => alice.get(`/accounts/${id}`)],
    ['read its transactions', (id) => alice.get(`/accounts/${id}/transactions`)],
    ['withdraw', (id) => alice.post(`/accounts/${id}/withdrawals`, { amount: 1 })],
    [
      'withdraw with If-Match',
      (id) => alice.post(`/accounts/${id}/withdrawals`, { amount: 1 }, { 'if-match': '"0"' }),
    ],
    ['deposit', (id) => alice.post(`/accounts/${id}/deposits`, { amount: 1 })],
    ['close', (id) => alice.post(`/accounts/${id}/close`)],
    [
      'change its limit',
      (id) => alice.call('PUT', `/accounts/${id}/overdraft-limit`, { overdraftLimit: 1 }),
    ],
    [
      'transfer from it',
      (id) => alice.post('/transfers', { fromAccountId: id, toAccountId: 'alice-acc', amount: 1 }),
    ],
    [
      'open an account with its id',
      (id) => alice.post('/accounts', { ownerId: 'alice', currency: 'EUR', accountId: id }),
    ],
  ];

  it.each(probes)('%s: unknown and foreign ids answer alike, nothing written', async (_, probe) => {
    const before = await eventCount(ledger.eventStore);
    const unknown = seen(await probe('nobody-here'));
    expect(unknown.status).toBeGreaterThanOrEqual(400);
    for (const foreign of ['bob-eur', 'bob-usd', 'bob-closed']) {
      const answer = seen(await probe(foreign));
      expect(JSON.stringify(answer).replaceAll(foreign, 'nobody-here')).toBe(
        JSON.stringify(unknown),
      );
    }
    expect(await eventCount(ledger.eventStore)).toBe(before);
  });

  it('reads another owner’s transfer like one that does not exist', async () => {
    const unknown = seen(await alice.get('/transfers/no-such-transfer'));
    const foreign = seen(await alice.get(`/transfers/${bobsTransfer}`));
    expect(JSON.stringify(foreign).replaceAll(bobsTransfer, 'no-such-transfer')).toBe(
      JSON.stringify(unknown),
    );
    expect(unknown.status).toBe(404);
  });

  it('accepts a transfer to any destination alike, and tells only that it did not arrive', async () => {
    const destinations = ['nobody-here', 'bob-usd', 'bob-closed', 'bob-eur'];
    const answers = [];
    for (const toAccountId of destinations) {
      answers.push(
        await alice.post('/transfers', { fromAccountId: 'alice-acc', toAccountId, amount: 7 }),
      );
    }
    const shapes = answers.map(({ status, body }) => ({
      status,
      body: { ...body, transferId: typeof body.transferId, position: typeof body.position },
    }));
    expect(new Set(shapes.map((shape) => JSON.stringify(shape))).size).toBe(1);
    expect(shapes[0]).toEqual({
      status: 202,
      body: { transferId: 'string', status: 'requested', revision: 0, position: 'number' },
    });

    const outcomes = [];
    for (const { body } of answers) {
      const {
        transferId: _id,
        toAccountId: _to,
        requestedAt: _r,
        updatedAt: _u,
        position: _p,
        ...rest
      } = await settled(alice, body.transferId);
      outcomes.push(rest);
    }
    const refused = {
      fromAccountId: 'alice-acc',
      amount: 7,
      currency: 'EUR',
      status: 'failed',
      failureReason: 'CREDIT_REFUSED',
      refunded: true,
      revision: 3,
    };
    expect(outcomes).toEqual([
      refused,
      refused,
      refused,
      expect.objectContaining({ status: 'completed' }),
    ]);

    // A teller sees why, and the money came back.
    const told = await settled(staff, answers[2].body.transferId);
    expect(told.failureReason).toBe('ACCOUNT_CLOSED');
    const head = await ledger.eventStore.headPosition();
    expect((await alice.get(`/accounts/alice-acc?consistentWith=${head}`)).body.balance).toBe(993);
    // Nothing was ever written to the unknown account's stream.
    expect(await ledger.eventStore.readStream('account-nobody-here')).toEqual([]);
  });

  it('still tells a teller exactly what is wrong with a destination, writing nothing', async () => {
    const transferTo = (toAccountId: string) =>
      staff.post('/transfers', { fromAccountId: 'alice-acc', toAccountId, amount: 1 });
    const before = await eventCount(ledger.eventStore);
    const unknown = await transferTo('nobody-here');
    expect(unknown.status).toBe(404);
    const mismatch = await transferTo('bob-usd');
    expect(mismatch.body.code).toBe('CURRENCY_MISMATCH');
    expect(await eventCount(ledger.eventStore)).toBe(before);
  });

  it('lets a client pay into its own other account with the checks it may see', async () => {
    const opened = await alice.post('/accounts', { ownerId: 'alice', currency: 'USD' });
    expect(opened.status).toBe(201);
    const before = await eventCount(ledger.eventStore);
    const mismatch = await alice.post('/transfers', {
      fromAccountId: 'alice-acc',
      toAccountId: opened.body.accountId,
      amount: 1,
    });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.code).toBe('CURRENCY_MISMATCH');
    expect(await eventCount(ledger.eventStore)).toBe(before);
  });
});
