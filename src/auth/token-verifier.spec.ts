import { SignJWT } from 'jose';
import { TokenVerifier } from './token-verifier';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const verifier = () =>
  new TokenVerifier({
    keys: 'shared-secret',
    secret: SECRET,
    issuer: 'ledgerline',
    audience: 'ledgerline',
  });

function token(exp: number, sub = 'teller-1'): Promise<string> {
  return new SignJWT({ roles: ['teller'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer('ledgerline')
    .setAudience('ledgerline')
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(SECRET));
}

const seconds = () => Math.floor(Date.now() / 1000);

describe('TokenVerifier', () => {
  afterEach(() => jest.useRealTimers());

  it('answers a token it verified before with the same actor', async () => {
    const tokens = verifier();
    const text = await token(seconds() + 60);
    const first = await tokens.verify(text);
    expect(await tokens.verify(text)).toEqual(first);
    expect(first).toEqual({ subject: 'teller-1', roles: ['teller'] });
  });

  it('refuses a token once it has expired, though it was accepted before', async () => {
    const tokens = verifier();
    const now = Date.now();
    jest.useFakeTimers({ now, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const text = await token(Math.floor(now / 1000) + 10);
    await expect(tokens.verify(text)).resolves.toMatchObject({ subject: 'teller-1' });
    jest.setSystemTime(now + 10_000 + 5_000 + 1_000);
    await expect(tokens.verify(text)).rejects.toMatchObject({
      code: 'INVALID_TOKEN',
      message: 'token expired',
    });
  });

  it('does not take a token with another signature for one it verified', async () => {
    const tokens = verifier();
    const text = await token(seconds() + 60);
    await tokens.verify(text);
    const [header, payload, signature] = text.split('.');
    const other = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    await expect(tokens.verify(`${header}.${payload}.${other}`)).rejects.toMatchObject({
      code: 'INVALID_TOKEN',
    });
  });
});
