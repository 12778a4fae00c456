import { EventStoreDBClient } from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { NewEvent } from '../event-envelope';
import { EventStoreUnavailableError } from '../event-store.errors';
import type { EventStore } from '../event-store.port';
import { EventStoreDbEventStore } from './eventstoredb-event-store';
import { InvalidEventError } from './eventstoredb-events';

/**
 * No EventStoreDB runs here (test/contract/eventstoredb-event-store.int-spec.ts needs one); these
 * run the real client against a port nobody listens on and a peer that never answers, to check
 * that every call ends in EventStoreUnavailableError instead of hanging.
 */
const TIMEOUT_MS = 300;

function newEvent(): NewEvent {
  return {
    eventId: randomUUID(),
    type: 'UnavailabilityTested',
    schemaVersion: 1,
    data: {},
    metadata: {
      actor: { subject: 'test', roles: [] },
      correlationId: randomUUID(),
      causationId: randomUUID(),
      commandId: randomUUID(),
    },
  };
}

function openStore(port: number): EventStoreDbEventStore {
  return new EventStoreDbEventStore({
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    operationTimeoutMs: TIMEOUT_MS,
    resubscribe: { initialDelayMs: 5, maxDelayMs: 20, maxAttempts: 2 },
  });
}

const calls: [string, (store: EventStore) => Promise<unknown>][] = [
  ["append 'no-stream'", (store) => store.append('account-1', [newEvent()], 'no-stream')],
  ['append at a revision', (store) => store.append('account-1', [newEvent()], 3)],
  ["append 'any'", (store) => store.append('account-1', [newEvent()], 'any')],
  ['readStream', (store) => store.readStream('account-1')],
  ['readAll', (store) => store.readAll({ maxCount: 10 })],
  ['headPosition', (store) => store.headPosition()],
  ['subscribeToAll', (store) => store.subscribeToAll({ after: 0 }, async () => undefined).done],
];

async function expectUnavailable(call: Promise<unknown>): Promise<number> {
  const started = Date.now();
  await expect(call).rejects.toBeInstanceOf(EventStoreUnavailableError);
  return Date.now() - started;
}

describe('EventStoreDbEventStore without a reachable server', () => {
  describe('when nothing listens on the port', () => {
    let store: EventStoreDbEventStore;
    let port: number;

    beforeAll(async () => {
      // A port that was free a moment ago: connections to it are refused.
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      port = (probe.address() as AddressInfo).port;
      await new Promise((resolve) => probe.close(resolve));
    });
    beforeEach(() => (store = openStore(port)));
    afterEach(() => store.close());

    it.each(calls)('%s reports the store unavailable', async (_name, call) => {
      await expectUnavailable(call(store));
    });

    it('appends without the server-features call, whose failure the client caches for good', async () => {
      // What client 6.2.1 holds after one features call failed with UNKNOWN (or DEADLINE_EXCEEDED):
      // a rejected promise it never clears, which every BatchAppend would await.
      const cachedFailure = Object.assign(new Error('2 UNKNOWN: features'), {
        code: 2,
        details: 'features',
      });
      const features = jest
        .spyOn(
          EventStoreDBClient.prototype as unknown as { capabilities: Promise<unknown> },
          'capabilities',
          'get',
        )
        .mockImplementation(() => Promise.reject(cachedFailure));
      try {
        const failure = await store.append('account-1', [newEvent()], 'no-stream').catch((e) => e);

        // The append went to the streams service itself, and found nobody listening.
        expect(failure).toBeInstanceOf(EventStoreUnavailableError);
        expect(failure.cause).not.toBe(cachedFailure);
        expect(features).not.toHaveBeenCalled();
      } finally {
        features.mockRestore();
      }
    });
  });

  describe('when the peer accepts connections but never answers', () => {
    let server: Server;
    const sockets: Socket[] = [];
    let store: EventStoreDbEventStore;

    beforeAll(async () => {
      server = createServer((socket) => sockets.push(socket.on('error', () => undefined)));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    beforeEach(() => (store = openStore((server.address() as AddressInfo).port)));
    afterEach(() => store.close());
    afterAll(async () => {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => server.close(resolve));
    });

    it.each(calls)('%s gives up after its deadline', async (_name, call) => {
      const waited = await expectUnavailable(call(store));
      // A subscription makes maxAttempts tries, each with its own deadline.
      expect(waited).toBeLessThan(TIMEOUT_MS * 3 + 500);
    });
  });

  it('refuses an event that cannot be stored before it contacts the server', async () => {
    const store = openStore(1);
    const event = { ...newEvent(), data: { amount: BigInt(1) } };

    await expect(store.append('account-1', [event], 'no-stream')).rejects.toThrow(
      InvalidEventError,
    );
    await expect(store.append('$system', [newEvent()], 'no-stream')).rejects.toThrow(
      InvalidEventError,
    );
    await expect(store.append('account-1', [], 'any')).rejects.toThrow(/at least one event/);
    await store.close();
    await expect(store.readStream('account-1')).rejects.toThrow(/closed/);
    await expect(store.close()).resolves.toBeUndefined();
  });
});
