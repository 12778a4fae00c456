import { rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { loadConfig } from '../../src/config/app-config';
import { httpClient } from '../../harness/http-client';
import { type RunningLedger, startLedger } from '../support/ledger-app';
import { removeDataDir, tempDataDir } from '../../harness/data-dir';
import { makeTestCertificate, type TestCertificate } from '../support/test-certificate';
import { STAFF, tokenFor } from '../../harness/tokens';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** node:https, trusting only the test's own certificate. */
function httpsCall(url: string, ca: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(url, { ca, headers }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () =>
        resolve({ status: response.statusCode!, headers: response.headers, body }),
      );
    });
    request.on('error', reject);
    request.end();
  });
}

describe('HTTPS', () => {
  let tls: TestCertificate;
  let secure: RunningLedger;
  let plain: RunningLedger;

  beforeAll(async () => {
    tls = makeTestCertificate();
    const config = loadConfig({ TLS_CERT_FILE: tls.certFile, TLS_KEY_FILE: tls.keyFile });
    secure = await startLedger(tempDataDir(), { tls: config.tls });
    plain = await startLedger();
  });
  afterAll(async () => {
    await secure.stop();
    await plain.stop();
    removeDataDir(secure.dataDir);
    removeDataDir(plain.dataDir);
    rmSync(tls.dir, { recursive: true, force: true });
  });

  it('serves the api over TLS with the configured certificate, and sends HSTS', async () => {
    expect(secure.baseUrl).toMatch(/^https:/);
    const token = await tokenFor(STAFF.subject, ...STAFF.roles);
    const answer = await httpsCall(`${secure.baseUrl}/accounts`, tls.cert, {
      authorization: `Bearer ${token}`,
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ items: [], nextCursor: null });
    expect(answer.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });

  it('is refused by a client that does not trust the certificate', async () => {
    await expect(httpsCall(`${secure.baseUrl}/health`, '')).rejects.toThrow(/certificate/i);
  });

  it('does not answer plain HTTP on the HTTPS port', async () => {
    const url = secure.baseUrl.replace('https:', 'http:');
    const outcome = await new Promise<string>((resolve) => {
      httpGet(`${url}/health`, (response) => resolve(`answered ${response.statusCode}`)).on(
        'error',
        (error) => resolve(`failed: ${error.message}`),
      );
    });
    expect(outcome).toMatch(/^failed/);
  });

  it('sends no HSTS over plain HTTP', async () => {
    const answer = await httpClient(plain.baseUrl).get('/health');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('strict-transport-security')).toBeNull();
  });
});
