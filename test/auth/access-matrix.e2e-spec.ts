import type { Role } from '../../src/auth/roles';
import { eventually } from '../support/eventually';
import { httpClient, type HttpClient } from '../support/http-client';
import { removeDataDir, type RunningLedger, startLedger } from '../support/ledger-app';

type Case = { method: 'GET' | 'POST'; path: string; body?: unknown };

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
    const head = await ledger.eventStore.headPosition();
    await eventually(async () => {
      const settled = await staff.get(`/transfers/${transfers.bob}?consistentWith=${head}`);
      expect(settled.body.status).toBe('completed');
    });
  });
  afterAll(async () => {
    await ledger.stop();
    removeDataDir(ledger.dataDir);
  });

  /** The request as Alice's own, or aimed at Bob's resource. */
  const endpoints: Record<string, (whose: 'alice' | 'bob') => Case> = {
    'open an account': (whose) => ({
      method: 'POST',
      path: '/accounts',
      body: { ownerId: whose, currency: 'EUR' },
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

  const expected: Record<Role, { own: number; other: number }> = {
    client: { own: 2, other: 404 },
    teller: { own: 2, other: 2 },
    analyst: { own: 403, other: 403 },
    auditor: { own: 403, other: 403 },
    admin: { own: 403, other: 403 },
  };

  const rows = Object.keys(endpoints).flatMap((endpoint) =>
    (Object.keys(expected) as Role[]).flatMap((role) =>
      (['own', 'other'] as const).map((whose) => [endpoint, role, whose] as const),
    ),
  );

  it.each(rows)('%s as %s on %s resource', async (endpoint, role, whose) => {
    const caller = httpClient(ledger.baseUrl, { subject: 'alice', roles: [role] });
    const request = endpoints[endpoint](whose === 'own' ? 'alice' : 'bob');
    const answer = await caller.call(request.method, request.path, request.body);
    let want = expected[role][whose];
    // A client naming someone else as the owner of a new account is refused outright.
    if (endpoint === 'open an account' && role === 'client' && whose === 'other') want = 403;
    if (want === 2) {
      expect(answer.status).toBeGreaterThanOrEqual(200);
      expect(answer.status).toBeLessThan(300);
    } else {
      expect(answer.status).toBe(want);
      expect(answer.body.status).toBe(want);
    }
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
    const deposit = await alice.post('/accounts/alice-acc/deposits', { amount: 3 });
    const [event] = await ledger.eventStore.readStream('account-alice-acc', {
      fromRevision: deposit.body.revision,
    });
    expect(event.metadata.actor).toEqual({ subject: 'alice', roles: ['client'] });
  });
});
