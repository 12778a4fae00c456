import { httpClient } from '../../harness/http-client';
import { eventCount } from '../support/ledger-fold';
import { ledgerForSuite, type RunningLedger, startLedger } from '../support/ledger-app';
import { removeDataDir } from '../../harness/data-dir';

describe('abuse limits', () => {
  describe('per subject and per address', () => {
    let ledger: RunningLedger;

    ledgerForSuite(
      (started) => {
        ledger = started;
      },
      { rateLimit: { perSubject: 5, perAddress: 8 } },
    );

    it('answers 429 with Retry-After past a subject’s limit, writing nothing', async () => {
      const mallory = httpClient(ledger.baseUrl, { subject: 'mallory', roles: ['teller'] });
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await mallory.get('/accounts')).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      const before = await eventCount(ledger.eventStore);
      const limited = await mallory.post('/accounts', { ownerId: 'm', currency: 'EUR' });
      expect(limited.status).toBe(429);
      expect(limited.body.code).toBe('RATE_LIMITED');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await eventCount(ledger.eventStore)).toBe(before);
      // Another subject has an allowance of its own.
      const other = httpClient(ledger.baseUrl, { subject: 'someone-else', roles: ['teller'] });
      expect((await other.get('/accounts')).status).toBe(200);
    });

    it('limits an address however it dresses up X-Forwarded-For', async () => {
      const anonymous = httpClient(ledger.baseUrl, null);
      // 7 requests so far from this address (the test before); one more fills the allowance of 8.
      const answers = [];
      for (let i = 0; i < 4; i++) {
        answers.push(await anonymous.get('/accounts', { 'x-forwarded-for': `203.0.113.${i + 1}` }));
      }
      expect(answers.map((a) => a.status)).toEqual([401, 429, 429, 429]);
      expect(answers[3].body.code).toBe('RATE_LIMITED');
      expect(answers[3].headers.get('retry-after')).toBeTruthy();
    });
  });

  describe('behind a trusted proxy', () => {
    let ledger: RunningLedger;

    beforeAll(async () => {
      ledger = await startLedger(undefined, {
        rateLimit: { perSubject: 100, perAddress: 2 },
        trustProxy: 'loopback',
      });
    });
    afterAll(async () => {
      await ledger.stop();
      removeDataDir(ledger.dataDir);
    });

    it('counts each client address the proxy names', async () => {
      const anonymous = httpClient(ledger.baseUrl, null);
      const from = (address: string) =>
        anonymous.get('/accounts', { 'x-forwarded-for': address }).then((a) => a.status);
      expect([await from('198.51.100.1'), await from('198.51.100.1')]).toEqual([401, 401]);
      expect(await from('198.51.100.1')).toBe(429);
      expect(await from('198.51.100.2')).toBe(401);
    });
  });

  describe('headers', () => {
    let ledger: RunningLedger;

    ledgerForSuite((started) => {
      ledger = started;
    });

    it('sends security headers and hides the framework', async () => {
      const response = await fetch(`${ledger.baseUrl}/health`);
      expect(response.headers.get('x-powered-by')).toBeNull();
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      // Over plain HTTP; test/security/https.e2e-spec.ts checks it is sent over HTTPS.
      expect(response.headers.get('strict-transport-security')).toBeNull();
      expect(response.headers.get('content-security-policy')).toBeTruthy();
      expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    });

    it('keeps CORS closed unless origins are configured', async () => {
      const preflight = await fetch(`${ledger.baseUrl}/accounts`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    });
  });
});
