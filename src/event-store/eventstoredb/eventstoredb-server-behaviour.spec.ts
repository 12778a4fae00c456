import { UnknownError } from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import {
  asClient,
  FakeClient,
  MAX_LONG,
  serviceError,
} from '../../../test/support/fake-eventstoredb-client';
import type { NewEvent } from '../event-envelope';
import {
  EventStoreUnavailableError,
  InvalidPositionError,
  StreamDeletedError,
  WrongExpectedRevisionError,
} from '../event-store.errors';
import { EventStoreDbEventStore } from './eventstoredb-event-store';
import { RESEND_LOOK_BACK } from './eventstoredb-stream-tails';

/**
 * The adapter against a fake of the client's methods that answers as EventStoreDB does
 * (test/support/fake-eventstoredb-client.ts). Each describe names the issue 12 item it covers.
 */

function newEvent(): NewEvent {
  return {
    eventId: randomUUID(),
    type: 'Tested',
    schemaVersion: 1,
    data: { n: 1 },
    metadata: {
      actor: { subject: 'test', roles: [] },
      correlationId: randomUUID(),
      causationId: randomUUID(),
      commandId: randomUUID(),
    },
  };
}

const newEvents = (count: number) => Array.from({ length: count }, newEvent);

function openStore(client: FakeClient, counter?: { inc: jest.Mock }) {
  return new EventStoreDbEventStore({
    connectionString: 'esdb://127.0.0.1:1?tls=false',
    operationTimeoutMs: 1000,
    client: asClient(client),
    skippedEvents: counter,
  });
}

describe('EventStoreDB adapter, as the server behaves', () => {
  let client: FakeClient;
  let store: EventStoreDbEventStore;

  beforeEach(() => {
    client = new FakeClient();
    store = openStore(client);
  });
  afterEach(() => store.close());

  describe('1: reads of $all start at 0 or at positions the store handed out', () => {
    it('reads after handed-out positions and refuses others with InvalidPositionError', async () => {
      const first = await store.append('s-1', newEvents(2), 'no-stream');
      const [a, b] = await store.readAll();

      expect(b.position).toBe(first.position);
      await expect(store.readAll({ after: a.position })).resolves.toStrictEqual([b]);
      await expect(store.readAll({ after: await store.headPosition() })).resolves.toEqual([]);
      const refused = await store.readAll({ after: a.position - 1 }).catch((e) => e);
      expect(refused).toBeInstanceOf(InvalidPositionError);
      expect(refused).toMatchObject({ position: a.position - 1 });
    });
  });

  describe('2: a node that is not ready, too busy or between leaders', () => {
    it.each([
      // BatchAppend's Status with details the client does not know.
      ['not ready', new UnknownError(undefined, 'Could not recognize Server Is Not Ready')],
      ['too busy', new UnknownError(undefined, 'Could not recognize Server Is Busy')],
      // Append's RpcException(StatusCode.Unknown), converted by convertToCommandError.
      [
        'no leader',
        new UnknownError(serviceError(2, 'No leader info available in response') as never),
      ],
    ])('reports an append answered "%s" as unavailable (503)', async (_name, error) => {
      client.beforeAppend = () => {
        throw error;
      };

      const failure = await store.append('s-2', newEvents(1), 'no-stream').catch((e) => e);

      expect(failure).toBeInstanceOf(EventStoreUnavailableError);
      expect(failure.cause).toBe(error);
    });
  });

  describe('3 and 10: appends do not depend on the cached features call or the clock', () => {
    it('sends credentials with every append, so the client uses Append, not BatchAppend', async () => {
      await store.append('s-3', newEvents(1), 'no-stream');
      await store.append('s-3', newEvents(1), 0);
      await store.append('s-3', newEvents(1), 'any');

      const appends = client.calls.filter((call) => call.method === 'appendToStream');
      expect(appends).toHaveLength(3);
      for (const { options } of appends) expect(options.credentials).toBeDefined();
    });

    it('refuses at start-up a secure connection string without a user', () => {
      expect(
        () =>
          new EventStoreDbEventStore({
            connectionString: 'esdb://host:2113',
            client: asClient(client),
          }),
      ).toThrow(/^EVENTSTORE_URL uses TLS but names no user: .*\$admins/);
    });
  });

  describe('4: one round trip per append', () => {
    it('takes the position from the append answer and reads nothing after', async () => {
      await store.append('s-4', newEvents(1), 'no-stream');
      await store.readStream('s-4');
      const before = client.calls.length;

      const result = await store.append('s-4', newEvents(3), 0);

      expect(client.calls.slice(before).map((call) => call.method)).toEqual(['appendToStream']);
      const stored = client.streams.get('s-4')!.events;
      expect(result).toEqual({ revision: 3, position: Number(stored[3].position!.prepare) });
    });
  });

  describe('5: deleted streams', () => {
    it('refuses reads and appends of a tombstoned stream with StreamDeletedError', async () => {
      await store.append('s-5', newEvents(1), 'no-stream');
      client.streams.get('s-5')!.tombstoned = true;

      await expect(store.readStream('s-5')).rejects.toThrow(StreamDeletedError);
      await expect(store.append('s-5', newEvents(1), 0)).rejects.toThrow(StreamDeletedError);
      await expect(store.append('s-5', newEvents(1), 'no-stream')).rejects.toThrow(
        StreamDeletedError,
      );
    });

    it('reads a soft-deleted stream as deleted, not as empty', async () => {
      await store.append('s-5b', newEvents(2), 'no-stream');
      client.streams.get('s-5b')!.truncateBefore = MAX_LONG;
      const fresh = openStore(client);

      await expect(fresh.readStream('s-5b')).rejects.toThrow(StreamDeletedError);
      await expect(fresh.append('s-5b', newEvents(1), 1)).rejects.toThrow(StreamDeletedError);
      await expect(fresh.readStream('never-written')).resolves.toEqual([]);
      await fresh.close();
    });

    it("reports a 'no-stream' append the server put after a soft-deleted stream's events", async () => {
      await store.append('s-5c', newEvents(2), 'no-stream');
      client.streams.get('s-5c')!.truncateBefore = MAX_LONG;

      await expect(store.append('s-5c', newEvents(1), 'no-stream')).rejects.toThrow(
        StreamDeletedError,
      );
    });

    it('refuses a stream whose history was cut short rather than read part of it', async () => {
      await store.append('s-5d', newEvents(3), 'no-stream');
      client.streams.get('s-5d')!.truncateBefore = 2;

      await expect(store.readStream('s-5d')).rejects.toThrow(/events before revision 2 are gone/);
    });
  });

  describe('6: events in $all that Ledgerline did not write', () => {
    it('skips them, counts them and reads on', async () => {
      const counter = { inc: jest.fn() };
      const counted = openStore(client, counter);
      await counted.append('s-6', newEvents(1), 'no-stream');
      client.write('added-in-the-admin-ui', [{ type: 'Note', metadata: { by: 'admin' } }]);
      client.write('other-app', [{ isJson: false, data: new Uint8Array([1]) }]);
      await counted.append('s-6', newEvents(1), 0);

      const log = await counted.readAll();

      expect(log.map((event) => [event.streamId, event.revision])).toEqual([
        ['s-6', 0],
        ['s-6', 1],
      ]);
      expect(counter.inc.mock.calls).toEqual([
        [{ reason: 'no-ledgerline-metadata' }],
        [{ reason: 'not-json' }],
      ]);
      await counted.close();
    });
  });

  it('6: a subscription to $all skips them too, rather than end on them', async () => {
    const counter = { inc: jest.fn() };
    const counted = openStore(client, counter);
    await counted.append('s-6b', newEvents(1), 'no-stream');
    client.write('added-in-the-admin-ui', [{ type: 'Note', metadata: { by: 'admin' } }]);
    await counted.append('s-6b', newEvents(1), 0);
    const received: number[] = [];

    const subscription = counted.subscribeToAll({ after: 0 }, async (batch) => {
      received.push(...batch.map((event) => event.revision));
    });
    const deadline = Date.now() + 2000;
    while (received.length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await subscription.stop();

    expect(received).toEqual([0, 1]);
    expect(counter.inc).toHaveBeenCalledWith({ reason: 'no-ledgerline-metadata' });
    await expect(subscription.done).resolves.toBeUndefined();
    await counted.close();
  });

  describe('7: conflicts and any-appends read a bounded page, never the whole stream', () => {
    it('answers a conflict on a long stream from its last events', async () => {
      await store.append('s-7', newEvents(300), 'no-stream');
      const fresh = openStore(client);

      await expect(fresh.append('s-7', newEvents(1), 0)).rejects.toMatchObject({
        actual: 299,
      });
      await expect(fresh.append('s-7', newEvents(1), 298)).rejects.toMatchObject({
        actual: 299,
      });
      await expect(fresh.append('s-7', newEvents(1), 'any')).resolves.toMatchObject({
        revision: 300,
      });
      for (const read of client.reads()) {
        expect(read.options.maxCount).toBeLessThanOrEqual(RESEND_LOOK_BACK + 1);
      }
      await fresh.close();
    });

    it("gives up on an 'any' append after a bounded number of rounds with pauses", async () => {
      await store.append('s-7b', newEvents(1), 'no-stream');
      const [ours] = client.streams.get('s-7b')!.events;
      // Another writer gets in before every attempt.
      client.beforeAppend = () => void client.write('s-7b', [{ metadata: ours.metadata }]);
      const started = Date.now();

      const failure = await store.append('s-7b', newEvents(1), 'any').catch((e) => e);

      expect(failure).toBeInstanceOf(WrongExpectedRevisionError);
      expect(client.calls.filter((call) => call.method === 'appendToStream')).toHaveLength(9);
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    });
  });

  describe('8: a re-send at the current revision', () => {
    it('is answered with the original result, not written again', async () => {
      const [a, b] = newEvents(2);
      const first = await store.append('s-8', [a], 'no-stream');
      await store.append('s-8', [b], 0);

      // Another process, which knows nothing of the stream, and this one.
      const other = openStore(client);
      await expect(other.append('s-8', [a], 1)).resolves.toEqual(first);
      await expect(store.append('s-8', [a], 1)).resolves.toEqual(first);
      await other.close();

      expect(client.streams.get('s-8')!.events).toHaveLength(2);
    });
  });

  describe('10: recordedAt', () => {
    it('never goes backwards within a stream when another host clock is ahead', async () => {
      await store.append('s-10', newEvents(1), 'no-stream');
      const [stored] = client.streams.get('s-10')!.events;
      const ahead = new Date(Date.now() + 3_600_000).toISOString();
      (stored.metadata as { recordedAt: string }).recordedAt = ahead;
      const other = openStore(client);

      await other.append('s-10', newEvents(1), 0);
      const [, second] = await other.readStream('s-10');

      expect(Date.parse(second.recordedAt)).toBeGreaterThanOrEqual(Date.parse(ahead));
      await other.close();
    });
  });

  describe('11: throwOnAppendFailure=false', () => {
    it("reports the stream's actual revision, not the client's 1", async () => {
      await store.append('s-11', newEvents(6), 'no-stream');
      const [ours] = client.streams.get('s-11')!.events;
      client.throwOnAppendFailure = false;

      await expect(store.append('s-11', newEvents(1), 2)).rejects.toMatchObject({ actual: 5 });
      // Another writer gets in before every attempt, until the 'any' append gives up.
      client.beforeAppend = () => void client.write('s-11', [{ metadata: ours.metadata }]);
      const failure = await store.append('s-11', newEvents(1), 'any').catch((e) => e);

      expect(failure).toBeInstanceOf(WrongExpectedRevisionError);
      expect(failure.actual).toBe(client.streams.get('s-11')!.events.length - 1);
      expect(failure.actual).toBeGreaterThan(5);
    });
  });
});
