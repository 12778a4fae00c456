import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { assertTlsAgrees, checkConnection, probeTls } from './eventstoredb-tls-probe';

/**
 * A TLS server (with a throw-away self-signed certificate) and a plain one stand for EventStoreDB
 * started with and without --insecure: the probe only asks whether TLS is spoken.
 */
describe('EventStoreDB TLS check at start-up', () => {
  let dir: string;
  let tlsServer: Server;
  let plainServer: Server;
  const endpoint = (server: Server) => ({
    address: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
  });
  const listen = (server: Server) =>
    new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'esdb-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=127.0.0.1',
        '-days',
        '1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    tlsServer = createTlsServer({
      key: readFileSync(join(dir, 'key.pem')),
      cert: readFileSync(join(dir, 'cert.pem')),
      ALPNProtocols: ['h2'],
    });
    // Like Kestrel without TLS: whatever arrives is not an HTTP/2 preface, so it hangs up.
    plainServer = createTcpServer((socket) => socket.once('data', () => socket.destroy()));
    await Promise.all([listen(tlsServer), listen(plainServer)]);
  });

  afterAll(async () => {
    await Promise.all(
      [tlsServer, plainServer].map((server) => new Promise((resolve) => server.close(resolve))),
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it('tells a TLS server from a plain one, and an unreachable one from both', async () => {
    const probe = createTcpServer();
    await listen(probe);
    const refused = endpoint(probe);
    await new Promise((resolve) => probe.close(resolve));

    await expect(probeTls(endpoint(tlsServer), 2000)).resolves.toBe('tls');
    await expect(probeTls(endpoint(plainServer), 2000)).resolves.toBe('plain');
    await expect(probeTls(refused, 2000)).resolves.toBe('unknown');
  });

  it('fails with one line when the connection string and the server disagree', async () => {
    const { port: tlsPort } = endpoint(tlsServer);
    const { port: plainPort } = endpoint(plainServer);

    for (const [connectionString, message] of [
      [
        `esdb://127.0.0.1:${tlsPort}?tls=false`,
        /^EVENTSTORE_URL says tls=false but EventStoreDB at 127\.0\.0\.1:\d+ speaks TLS/,
      ],
      [
        `esdb://admin:changeit@127.0.0.1:${plainPort}`,
        /^EVENTSTORE_URL uses TLS but EventStoreDB at 127\.0\.0\.1:\d+ is insecure/,
      ],
      [`esdb://127.0.0.1:${plainPort}`, /^EVENTSTORE_URL uses TLS but names no user/],
    ] as const) {
      const failure = await checkConnection(connectionString, 2000).catch((e: Error) => e);
      expect((failure as Error).message).toMatch(message);
      expect((failure as Error).message).not.toContain('\n');
    }
  });

  it('passes when they agree, and leaves an unreachable server to the client', async () => {
    await expect(assertTlsAgrees([endpoint(tlsServer)], true, 2000)).resolves.toBeUndefined();
    await expect(assertTlsAgrees([endpoint(plainServer)], false, 2000)).resolves.toBeUndefined();
    await expect(
      assertTlsAgrees([{ address: '127.0.0.1', port: 1 }], true, 500),
    ).resolves.toBeUndefined();
  });
});
