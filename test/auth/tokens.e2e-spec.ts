import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { createServer, type Server } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { DEVELOPMENT_SECRET } from '../../src/auth/auth-config';
import { loadConfig } from '../../src/config/app-config';
import { httpClient } from '../../harness/http-client';
import { eventCount } from '../support/ledger-fold';
import { ledgerForSuite, type RunningLedger, startLedger } from '../support/ledger-app';
import { removeDataDir } from '../../harness/data-dir';

const secret = new TextEncoder().encode(DEVELOPMENT_SECRET);
const now = () => Math.floor(Date.now() / 1000);
const valid: JWTPayload = {
  sub: 'alice',
  roles: ['teller'],
  iss: 'ledgerline',
  aud: 'ledgerline',
};

function sign(payload: JWTPayload, key: Parameters<SignJWT['sign']>[0] = secret, alg = 'HS256') {
  return new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(key);
}

function encode(part: object): string {
  return Buffer.from(JSON.stringify(part)).toString('base64url');
}

describe('bearer tokens', () => {
  let ledger: RunningLedger;
  const anonymous = () => httpClient(ledger.baseUrl, null);

  ledgerForSuite(async (started) => {
    ledger = started;
    await httpClient(ledger.baseUrl).post('/accounts', {
      ownerId: 'alice',
      currency: 'EUR',
      accountId: 'jwt-target',
    });
  });

  async function attempt(token: string | undefined) {
    const before = await eventCount(ledger.eventStore);
    const answer = await anonymous().post(
      '/accounts/jwt-target/deposits',
      { amount: 5 },
      token === undefined ? {} : { authorization: `Bearer ${token}` },
    );
    expect(await eventCount(ledger.eventStore)).toBe(before);
    return answer;
  }

  it('accepts a valid token', async () => {
    const token = await sign({ ...valid, exp: now() + 60 });
    const answer = await anonymous().post(
      '/accounts/jwt-target/deposits',
      { amount: 5 },
      { authorization: `Bearer ${token}` },
    );
    expect(answer.status).toBe(200);
  });

  const rsa = generateKeyPair('RS256');
  const forged: [string, () => Promise<string | undefined>][] = [
    ['no token', async () => undefined],
    ['malformed token', async () => 'not.a.token'],
    [
      'alg none',
      async () =>
        `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ ...valid, exp: now() + 60 })}.`,
    ],
    [
      'HS/RS confusion: HS256 signed with the RSA public key',
      async () => {
        const { publicKey } = await rsa;
        const pem = Buffer.from(JSON.stringify(await exportJWK(publicKey)));
        return sign({ ...valid, exp: now() + 60 }, new Uint8Array(pem));
      },
    ],
    [
      'RS256 token where HS256 is pinned',
      async () => sign({ ...valid, exp: now() + 60 }, (await rsa).privateKey, 'RS256'),
    ],
    [
      'wrong key',
      async () =>
        sign(
          { ...valid, exp: now() + 60 },
          new TextEncoder().encode('another-secret-of-32-chars!!'),
        ),
    ],
    ['expired', async () => sign({ ...valid, exp: now() - 60 })],
    ['not yet valid', async () => sign({ ...valid, exp: now() + 600, nbf: now() + 300 })],
    ['missing exp', async () => sign(valid)],
    ['wrong iss', async () => sign({ ...valid, iss: 'someone-else', exp: now() + 60 })],
    ['wrong aud', async () => sign({ ...valid, aud: 'another-api', exp: now() + 60 })],
    [
      'edited role claim',
      async () => {
        const token = await sign({ ...valid, roles: ['client'], exp: now() + 60 });
        const [header, , signature] = token.split('.');
        return `${header}.${encode({ ...valid, roles: ['teller'], exp: now() + 60 })}.${signature}`;
      },
    ],
  ];

  it.each(forged)('%s → 401 problem, nothing written', async (_name, make) => {
    const answer = await attempt(await make());
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({
      status: 401,
      code: expect.stringMatching(/^(UNAUTHENTICATED|INVALID_TOKEN)$/),
    });
    expect(answer.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('keeps liveness, readiness and metrics open', async () => {
    for (const path of ['/health', '/health/live', '/health/ready', '/metrics']) {
      expect((await fetch(`${ledger.baseUrl}${path}`)).status).toBe(200);
    }
    expect((await fetch(`${ledger.baseUrl}/docs/openapi.json`)).status).toBe(200);
  });

  describe('keys from an issuer JWKS', () => {
    let issuer: Server;
    let jwksLedger: RunningLedger;

    beforeAll(async () => {
      const { publicKey } = await rsa;
      const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
      issuer = createServer((_, response) => {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ keys: [jwk] }));
      }).listen(0, '127.0.0.1');
      await once(issuer, 'listening');
      const { port } = issuer.address() as { port: number };
      const config = loadConfig({ JWT_JWKS_URL: `http://127.0.0.1:${port}/jwks.json` });
      jwksLedger = await startLedger(undefined, { auth: config.auth });
    });
    afterAll(async () => {
      await jwksLedger.stop();
      removeDataDir(jwksLedger.dataDir);
      issuer.close();
    });

    it('accepts RS256 tokens signed by the issuer and refuses HS256 ones', async () => {
      const { privateKey } = await rsa;
      const good = await new SignJWT({ ...valid, exp: now() + 60 })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .sign(privateKey);
      const client = httpClient(jwksLedger.baseUrl, null);
      const opened = await client.post(
        '/accounts',
        { ownerId: 'alice', currency: 'EUR' },
        { authorization: `Bearer ${good}` },
      );
      expect(opened.status).toBe(201);
      const hs = await sign({ ...valid, exp: now() + 60 });
      const refused = await client.post(
        '/accounts',
        { ownerId: 'alice', currency: 'EUR' },
        { authorization: `Bearer ${hs}` },
      );
      expect(refused.status).toBe(401);
    });
  });

  describe('start-up', () => {
    it('refuses the development secret, or none, outside development', () => {
      expect(() => loadConfig({ LEDGER_ENV: 'production' })).toThrow(/JWT_SECRET/);
      expect(() =>
        loadConfig({ LEDGER_ENV: 'production', JWT_SECRET: DEVELOPMENT_SECRET }),
      ).toThrow(/JWT_SECRET/);
      expect(() => loadConfig({ LEDGER_ENV: 'production', JWT_SECRET: 'short' })).toThrow(
        /JWT_SECRET/,
      );
      expect(() => loadConfig({ JWT_SECRET: '' })).toThrow(/JWT_SECRET/);
      expect(
        loadConfig({
          LEDGER_ENV: 'production',
          JWT_SECRET: randomBytes(32).toString('hex'),
          PRIVACY_MASTER_KEY: randomBytes(32).toString('hex'),
          AUDIT_SIGNING_KEY: generateKeyPairSync('ed25519')
            .privateKey.export({ format: 'pem', type: 'pkcs8' })
            .toString(),
        }).auth,
      ).toMatchObject({ keys: 'shared-secret' });
    });
  });
});
