import type { EndPoint } from '@eventstore/db-client';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { EventStoreDbConnectionError, parseConnection } from './eventstoredb-connection';

/** What a node answered to a TLS handshake; `unknown` when it could not be reached at all. */
export type TlsAnswer = 'tls' | 'plain' | 'unknown';

/**
 * Whether the node at `endpoint` speaks TLS. The gRPC client cannot say: against a server with the
 * other setting every call just ends UNAVAILABLE, as if the server were down. So this opens a TCP
 * connection itself and offers a TLS handshake over it (certificates are not checked: the question
 * is only whether TLS is spoken; the client checks them on its own connection). A TCP connection
 * that is refused or times out proves nothing and is `unknown`; one that connects and then fails
 * the handshake is a plain-text server (EventStoreDB started with --insecure).
 */
export function probeTls(endpoint: EndPoint, timeoutMs: number): Promise<TlsAnswer> {
  return new Promise((resolve) => {
    let socket: Socket | undefined;
    const finish = (answer: TlsAnswer) => {
      clearTimeout(timer);
      socket?.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish('unknown'), timeoutMs);
    const tcp = connectTcp({ host: endpoint.address, port: endpoint.port });
    socket = tcp;
    tcp.once('error', () => finish('unknown'));
    tcp.once('connect', () => {
      tcp.removeAllListeners('error');
      const tls = connectTls({
        socket: tcp,
        servername: endpoint.address,
        rejectUnauthorized: false,
        ALPNProtocols: ['h2'],
      });
      socket = tls;
      tls.once('secureConnect', () => finish('tls'));
      tls.once('error', () => finish('plain'));
      tls.once('close', () => finish('plain'));
    });
  });
}

/**
 * Fails with a one-line message when the connection string and the first node that answers
 * disagree on TLS. Nodes that cannot be reached are left to the client: an unreachable store is
 * unavailable (503), not a configuration error.
 */
export async function assertTlsAgrees(
  endpoints: EndPoint[],
  tls: boolean,
  timeoutMs: number,
): Promise<void> {
  for (const endpoint of endpoints) {
    const answer = await probeTls(endpoint, timeoutMs);
    if (answer === 'unknown') continue;
    const where = `${endpoint.address}:${endpoint.port}`;
    if (answer === 'plain' && tls) {
      throw new EventStoreDbConnectionError(
        `EVENTSTORE_URL uses TLS but EventStoreDB at ${where} is insecure: add ?tls=false, or ` +
          'run the server with certificates',
      );
    }
    if (answer === 'tls' && !tls) {
      throw new EventStoreDbConnectionError(
        `EVENTSTORE_URL says tls=false but EventStoreDB at ${where} speaks TLS: drop tls=false ` +
          'and give a user, e.g. esdb://admin:changeit@host:2113?tlsCAFile=ca.crt',
      );
    }
    return;
  }
}

/**
 * The start-up check of an EventStoreDB connection string: it names a user when it asks for TLS,
 * and the server it names agrees with it on TLS. Throws EventStoreDbConnectionError, whose message
 * is one line naming the fix.
 */
export async function checkConnection(connectionString: string, timeoutMs: number): Promise<void> {
  const { hosts, tls } = parseConnection(connectionString);
  await assertTlsAgrees(hosts, tls, timeoutMs);
}
