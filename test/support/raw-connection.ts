import { connect, type Socket } from 'node:net';
import { once } from 'node:events';

/** A plain TCP connection to the ledger, for clients that fetch() cannot imitate (slow, partial). */
export interface RawConnection {
  socket: Socket;
  /** Everything the server sent so far. */
  received(): string;
  /** Resolves with the milliseconds from connecting until the server closed the connection. */
  closed: Promise<number>;
}

export async function openRaw(baseUrl: string): Promise<RawConnection> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  const started = Date.now();
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  // A server that resets the connection is as closed as one that ends it.
  socket.on('error', () => undefined);
  const closed = once(socket, 'close').then(() => Date.now() - started);
  await once(socket, 'connect');
  return { socket, received: () => received, closed };
}

/** Writes `text` one byte at a time, `intervalMs` apart, until done or the socket closes. */
export async function trickle(socket: Socket, text: string, intervalMs: number): Promise<void> {
  for (const character of text) {
    if (socket.destroyed || !socket.writable) return;
    socket.write(character);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export function requestHead(method: string, path: string, headers: Record<string, string>): string {
  const lines = Object.entries({ host: '127.0.0.1', ...headers }).map(([n, v]) => `${n}: ${v}`);
  return `${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}
