import { DEVELOPMENT_SECRET } from '../../src/auth/auth-config';
import { hs256Token } from '../../harness/hs256-token';
import { httpClient } from '../../harness/http-client';
import { eventCount } from '../support/ledger-fold';
import { ledgerForSuite, type RunningLedger } from '../support/ledger-app';

/**
 * Validly signed tokens whose identity is malformed: each is refused with 401 INVALID_TOKEN before
 * anything is read or written, however it would otherwise have been believed.
 */
describe('identity claims of a signed token', () => {
  let ledger: RunningLedger;
  const signed = (claims: Record<string, unknown>) =>
    `Bearer ${hs256Token(DEVELOPMENT_SECRET, claims)}`;
  const as = (authorization: string) => ({ authorization });

  ledgerForSuite(async (started) => {
    ledger = started;
    const staff = httpClient(ledger.baseUrl);
    for (const ownerId of ['alice', 'bob', 'zz']) {
      await staff.post('/accounts', { ownerId, currency: 'EUR', accountId: `${ownerId}-acc` });
    }
  });

  const malformed: [string, Record<string, unknown>][] = [
    ['an object subject', { sub: { $ne: 'zz' }, roles: ['teller'] }],
    ['an array subject', { sub: ['alice'], roles: ['teller'] }],
    ['an empty subject', { sub: '', roles: ['teller'] }],
    ['a numeric subject', { sub: 42, roles: ['teller'] }],
    ['a null subject', { sub: null, roles: ['teller'] }],
    ['an over-long subject', { sub: 'a'.repeat(256), roles: ['teller'] }],
    ['a subject with a line feed', { sub: 'alice\nadmin', roles: ['teller'] }],
    ['a subject with a NUL', { sub: 'ali\u0000ce', roles: ['teller'] }],
    ['a subject with a space', { sub: 'alice smith', roles: ['teller'] }],
    ['a subject with an escape sequence', { sub: '\u001b[31malice', roles: ['teller'] }],
    ['an unknown role', { sub: 'alice', roles: ['superuser'] }],
    ['an unknown role beside a known one', { sub: 'alice', roles: ['teller', 'root'] }],
    ['roles as a string', { sub: 'alice', roles: 'teller' }],
    ['roles as an object', { sub: 'alice', roles: { $in: ['teller'] } }],
    ['a role that is not a string', { sub: 'alice', roles: [{ $ne: null }] }],
    ['no roles claim', { sub: 'alice' }],
  ];

  it.each(malformed)('%s → 401 INVALID_TOKEN, nothing written', async (_name, claims) => {
    const before = await eventCount(ledger.eventStore);
    const answer = await httpClient(ledger.baseUrl, null).post(
      '/accounts/alice-acc/deposits',
      { amount: 5 },
      as(signed(claims)),
    );
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ status: 401, code: 'INVALID_TOKEN' });
    expect(answer.body.detail).toMatch(/^token claim (sub|roles) must be/);
    expect(answer.headers.get('www-authenticate')).toContain('Bearer');
    expect(await eventCount(ledger.eventStore)).toBe(before);
  });

  it('does not list every account to an object subject', async () => {
    const answer = await httpClient(ledger.baseUrl, null).get(
      '/accounts',
      as(signed({ sub: { $ne: 'zz' }, roles: ['client'] })),
    );
    expect(answer.status).toBe(401);
    expect(answer.body.code).toBe('INVALID_TOKEN');
  });

  it('believes well-formed identities, at the bounds', async () => {
    const longest = 'a'.repeat(255);
    const client = await httpClient(ledger.baseUrl, null).get(
      '/accounts',
      as(signed({ sub: longest, roles: ['client'] })),
    );
    expect(client.status).toBe(200);
    expect(client.body.items).toEqual([]);
    const fromAnIdp = await httpClient(ledger.baseUrl, null).get(
      '/accounts/zz-acc',
      as(signed({ sub: 'auth0|5f7c8ec7c33c6c004bbafe82', roles: ['teller', 'teller'] })),
    );
    expect(fromAnIdp.status).toBe(200);
    const noRoles = await httpClient(ledger.baseUrl, null).get(
      '/accounts/zz-acc',
      as(signed({ sub: 'zz', roles: [] })),
    );
    expect(noRoles.status).toBe(403);
  });
});
