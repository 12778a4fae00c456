import type { Role } from '../../src/auth/roles';
import { eventually } from '../support/eventually';
import { httpClient, type HttpClient } from '../../harness/http-client';
import { eventCount } from '../support/ledger-fold';
import { type RunningLedger, startLedger } from '../support/ledger-app';
import { removeDataDir } from '../../harness/data-dir';

type Case = { method: 'GET' | 'POST' | 'PUT'; path: string; body?: unknown };

/**
 * Every endpoint, for every role, on the caller's own resource and on somebody else's. Alice and
 * Bob are clients; each owns one account; each sent one transfer to a third account.
 */
describe('who may do what', () => {
  let ledger: RunningLedger;
  let staff: HttpClient;
  const transfers: Record<'alice' | 'bob', string> = { alice: '', bob: '' };

  beforeAll(async () => {
    ledger = await startLedger();
    staff = httpClient(ledger.baseUrl);
    for (const owner of ['alice', 'bob'] as const) {
      await staff.post('/accounts', { ownerId: owner, currency: 'EUR', accountId: `${owner}-acc` });
      await staff.post(`/accounts/${owner}-acc/deposits`, { amount: 1_000_000 });
    }
    await staff.post('/accounts', { ownerId: 'carol', currency: 'EUR', accountId: 'carol-acc' });
    for (const owner of ['alice', 'bob'] as const) {
      const accepted = await staff.post('/transfers', {
        fromAccountId: `${owner}-acc`,
        toAccountId: 'carol-acc',
        amount: 1,
      });
      transfers[owner] = accepted.body.transferId;
    }
    await settled(transfers.alice);
    await settled(transfers.bob);
  });

  async function settled(transferId: string) {
    await eventually(async () => {
      const head = await ledger.eventStore.headPosition();
      const transfer = await staff.get(`/transfers/${transferId}?consistentWith=${head}`);
      expect(['completed', 'failed']).toContain(transfer.body.status);
    }, 15_000);
  }
  afterAll(async () => {
    await ledger.stop();
    removeDataDir(ledger.dataDir);
  });

  let chosen = 0;
  /** The request as Alice's own, or aimed at Bob's resource. */
  const endpoints: Record<string, (whose: 'alice' | 'bob') => Case> = {
    'open an account': (whose) => ({
      method: 'POST',
      path: '/accounts',
      body: { ownerId: whose, currency: 'EUR' },
    }),
    'open an account with an overdraft limit': (whose) => ({
      method: 'POST',
      path: '/accounts',
      body: { ownerId: whose, currency: 'EUR', overdraftLimit: 1000 },
    }),
    'open an account with a chosen id': (whose) => ({
      method: 'POST',
      path: '/accounts',
      body: { ownerId: whose, currency: 'EUR', accountId: `${whose}-chosen-${++chosen}` },
    }),
    deposit: (whose) => ({
      method: 'POST',
      path: `/accounts/${whose}-acc/deposits`,
      body: { amount: 1 },
    }),
    withdraw: (whose) => ({
      method: 'POST',
      path: `/accounts/${whose}-acc/withdrawals`,
      body: { amount: 1 },
    }),
    'change an overdraft limit': (whose) => ({
      method: 'PUT',
      path: `/accounts/${whose}-acc/overdraft-limit`,
      body: { overdraftLimit: 500 },
    }),
    'transfer from': (whose) => ({
      method: 'POST',
      path: '/transfers',
      body: { fromAccountId: `${whose}-acc`, toAccountId: 'carol-acc', amount: 1 },
    }),
    'read an account': (whose) => ({ method: 'GET', path: `/accounts/${whose}-acc` }),
    'read transactions': (whose) => ({
      method: 'GET',
      path: `/accounts/${whose}-acc/transactions`,
    }),
    'read a transfer': (whose) => ({ method: 'GET', path: `/transfers/${transfers[whose]}` }),
  };

  /** [own, other] for each role: 2 is any 2xx. */
  type Answers = Record<Role, [number, number]>;
  const accountWork: Answers = {
    client: [2, 404],
    teller: [2, 2],
    analyst: [403, 403],
    auditor: [403, 403],
    admin: [403, 403],
  };
  const tellersOnly: Answers = { ...accountWork, client: [403, 403] };
  const expected: Record<string, Answers> = {
    // A client naming someone else as the owner of a new account is refused outright.
    'open an account': { ...accountWork, client: [2, 403] },
    // Credit is granted by tellers, never by the account's owner.
    'open an account with an overdraft limit': tellersOnly,
    // A chosen id could be taken, and saying so would tell a client that it exists.
    'open an account with a chosen id': tellersOnly,
    // Money from outside the ledger is brought in by tellers only.
    deposit: tellersOnly,
    withdraw: accountWork,
    'change an overdraft limit': { ...tellersOnly, admin: [2, 2] },
    'transfer from': accountWork,
    'read an account': accountWork,
    'read transactions': accountWork,
    'read a transfer': accountWork,
  };

  const rows = Object.keys(endpoints).flatMap((endpoint) =>
    (Object.keys(expected[endpoint]) as Role[]).flatMap((role) =>
      (['own', 'other'] as const).map((whose) => [endpoint, role, whose] as const),
    ),
  );

  it.each(rows)('%s as %s on %s resource', async (endpoint, role, whose) => {
    const caller = httpClient(ledger.baseUrl, { subject: 'alice', roles: [role] });
    const request = endpoints[endpoint](whose === 'own' ? 'alice' : 'bob');
    const before = await eventCount(ledger.eventStore);
    const answer = await caller.call(request.method, request.path, request.body);
    const want = expected[endpoint][role][whose === 'own' ? 0 : 1];
    if (want === 2) {
      expect(answer.status).toBeGreaterThanOrEqual(200);
      expect(answer.status).toBeLessThan(300);
      // Let an accepted transfer finish, so that the next row counts only its own events.
      if (answer.body.transferId) await settled(answer.body.transferId);
    } else {
      expect(answer.status).toBe(want);
      expect(answer.body.status).toBe(want);
      expect(await eventCount(ledger.eventStore)).toBe(before);
    }
  });

  it('refuses a client its own credit with a code of its own, writing nothing', async () => {
    const alice = httpClient(ledger.baseUrl, { subject: 'alice', roles: ['client'] });
    const open = (overdraftLimit: number) =>
      alice.post('/accounts', { ownerId: 'alice', currency: 'EUR', overdraftLimit });
    const before = await eventCount(ledger.eventStore);
    const opened = await open(1_000_000_000_000);
    expect(opened.status).toBe(403);
    expect(opened.body.code).toBe('OVERDRAFT_NOT_PERMITTED');
    const changed = await alice.call('PUT', '/accounts/alice-acc/overdraft-limit', {
      overdraftLimit: 1_000_000_000_000,
    });
    expect(changed.status).toBe(403);
    expect(changed.body.code).toBe('FORBIDDEN');
    const deposited = await alice.post('/accounts/alice-acc/deposits', { amount: 5 });
    expect(deposited.status).toBe(403);
    expect(deposited.body.code).toBe('FORBIDDEN');
    expect(await eventCount(ledger.eventStore)).toBe(before);
    // Without a limit the same client opens its own account.
    const plain = await open(0);
    expect(plain.status).toBe(201);
  });

  it('records who changed a limit, and the read model shows it', async () => {
    const teller = httpClient(ledger.baseUrl, { subject: 'teller-7', roles: ['teller'] });
    const changed = await teller.call('PUT', '/accounts/carol-acc/overdraft-limit', {
      overdraftLimit: 2500,
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).toBe(`"${changed.body.revision}"`);
    const [event] = await ledger.openedEventStore.readStream('account-carol-acc', {
      fromRevision: changed.body.revision,
    });
    expect(event.type).toBe('OverdraftLimitChanged');
    expect(event.data).toEqual({ overdraftLimit: 2500, previousLimit: 0 });
    expect(event.metadata.actor).toEqual({ subject: 'teller-7', roles: ['teller'] });
    const read = await teller.get(`/accounts/carol-acc?consistentWith=${changed.body.position}`);
    expect(read.body.overdraftLimit).toBe(2500);
    // The same limit again changes nothing.
    const again = await teller.call('PUT', '/accounts/carol-acc/overdraft-limit', {
      overdraftLimit: 2500,
    });
    expect(again.status).toBe(200);
    expect(again.body.revision).toBe(changed.body.revision);
  });

  it('lists only the caller’s own accounts to a client', async () => {
    const alice = httpClient(ledger.baseUrl, { subject: 'alice', roles: ['client'] });
    const all = await alice.get('/accounts');
    expect(all.body.items.map((a: { ownerId: string }) => a.ownerId)).toEqual(
      all.body.items.map(() => 'alice'),
    );
    expect(all.body.items.length).toBeGreaterThan(0);
    expect((await alice.get('/accounts?ownerId=bob')).body.items).toEqual([]);
    const teller = httpClient(ledger.baseUrl, { subject: 't', roles: ['teller'] });
    expect((await teller.get('/accounts?ownerId=bob')).body.items.length).toBeGreaterThan(0);
  });

  it('records the caller as the actor of the events it causes', async () => {
    const alice = httpClient(ledger.baseUrl, { subject: 'alice', roles: ['client'] });
    const withdrawal = await alice.post('/accounts/alice-acc/withdrawals', { amount: 3 });
    const [event] = await ledger.openedEventStore.readStream('account-alice-acc', {
      fromRevision: withdrawal.body.revision,
    });
    expect(event.metadata.actor).toEqual({ subject: 'alice', roles: ['client'] });
  });
});
