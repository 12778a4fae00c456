import { createHash, randomUUID } from 'node:crypto';
import { setImmediate as nextTick } from 'node:timers/promises';
import type { EventEnvelope, NewEvent } from '../../src/event-store/event-envelope';
import {
  PartialDuplicateAppendError,
  WrongExpectedRevisionError,
} from '../../src/event-store/event-store.errors';
import type { EventStore } from '../../src/event-store/event-store.port';
import type { ExpectedRevision } from '../../src/event-store/expected-revision';

export interface OpenedEventStore {
  store: EventStore;
  /** Opens a second store over the same data; the durability test closes both stores itself. */
  reopen?: () => Promise<EventStore>;
  /** Closes the store (it may already be closed) and removes whatever the adapter set up. */
  cleanup: () => Promise<void>;
}

/** Long enough for any adapter to have delivered an event it should not have delivered. */
const QUIET_MS = 250;
const WAIT_TIMEOUT_MS = 5000;
/** Servers stamp recordedAt with their own clock, which may drift from the test runner's. */
const CLOCK_SKEW_MS = 2000;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** Unique per test, so the suite can run against a shared server that keeps old streams. */
function newStreamId(name: string): string {
  return `contract-${name}-${randomUUID()}`;
}

function newEvent(overrides: Partial<NewEvent> = {}): NewEvent {
  return {
    eventId: randomUUID(),
    type: 'ContractTested',
    schemaVersion: 1,
    data: { n: 0 },
    metadata: {
      actor: { subject: 'contract-test', roles: ['tester'] },
      correlationId: randomUUID(),
      causationId: randomUUID(),
      commandId: randomUUID(),
    },
    ...overrides,
  };
}

function newEvents(count: number): NewEvent[] {
  return Array.from({ length: count }, (_, n) => newEvent({ data: { n } }));
}

/** Other tests may share the global log, so assertions look at one stream's events only. */
function inStream(events: EventEnvelope[], streamId: string): EventEnvelope[] {
  return events.filter((event) => event.streamId === streamId);
}

function positionsOf(events: EventEnvelope[]): number[] {
  return events.map((event) => event.position);
}

function expectStrictlyIncreasing(values: number[]): void {
  expect(values).toEqual([...new Set(values)].sort((a, b) => a - b));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_TIMEOUT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await sleep(5);
  }
}

/**
 * The hash chain, recomputed without the application's code: RFC 8785 canonical JSON (members
 * sorted by UTF-16 code units, no whitespace, ECMAScript number and string forms) of the envelope
 * without position and hash, a newline, and the previous event's hash (64 zeros at revision 0).
 */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const object = value as Record<string, unknown>;
  const members = Object.keys(object)
    .filter((key) => object[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`);
  return `{${members.join(',')}}`;
}

function expectedHash(event: EventEnvelope, previousHash: string): string {
  const { eventId, type, schemaVersion, streamId, revision, recordedAt, data, metadata } = event;
  const canonical = canonicalJson({
    eventId,
    type,
    schemaVersion,
    streamId,
    revision,
    recordedAt,
    data,
    metadata,
  });
  return createHash('sha256').update(`${canonical}\n${previousHash}`, 'utf8').digest('hex');
}

/** Checks a whole stream (from revision 0) link by link; returns its head hash. */
function expectValidChain(events: EventEnvelope[]): string {
  let previous = '0'.repeat(64);
  events.forEach((event, index) => {
    expect(event.revision).toBe(index);
    expect(event.hash).toMatch(/^[0-9a-f]{64}$/);
    expect({ revision: event.revision, hash: event.hash }).toEqual({
      revision: event.revision,
      hash: expectedHash(event, previous),
    });
    previous = event.hash;
  });
  return previous;
}

function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

export interface ContractOptions {
  /**
   * Whether the adapter refuses event ids already stored in another stream. EventStoreDB only
   * deduplicates ids within a stream; our event ids derive from command ids, which are per stream.
   */
  detectsIdsOfOtherStreams?: boolean;
}

export function describeEventStoreContract(
  adapterName: string,
  open: () => Promise<OpenedEventStore>,
  { detectsIdsOfOtherStreams = true }: ContractOptions = {},
): void {
  describe(`EventStore contract: ${adapterName}`, () => {
    let opened: OpenedEventStore;
    let store: EventStore;

    beforeEach(async () => {
      opened = await open();
      store = opened.store;
    });

    afterEach(async () => {
      await opened.cleanup();
    });

    /** Every event in the global log after `after`, up to and including position `upTo`. */
    async function logBetween(after: number, upTo: number): Promise<EventEnvelope[]> {
      const events = await store.readAll({ after });
      return events.filter((event) => event.position <= upTo);
    }

    describe('append', () => {
      it("creates a stream with 'no-stream' and reports its last revision and position", async () => {
        const streamId = newStreamId('create');

        const result = await store.append(streamId, newEvents(2), 'no-stream');

        const stored = await store.readStream(streamId);
        expect(stored.map((event) => event.revision)).toEqual([0, 1]);
        expect(result).toEqual({ revision: 1, position: stored[1].position });
        expect(Number.isSafeInteger(stored[0].position)).toBe(true);
        expect(stored[0].position).toBeGreaterThan(0);
        expect(await store.headPosition()).toBeGreaterThanOrEqual(result.position);
      });

      it("rejects a second 'no-stream' append", async () => {
        const streamId = newStreamId('no-stream-twice');
        await store.append(streamId, newEvents(1), 'no-stream');

        const error = await store.append(streamId, newEvents(1), 'no-stream').catch((e) => e);

        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(error).toMatchObject({ streamId, expected: 'no-stream', actual: 0 });
        expect(await store.readStream(streamId)).toHaveLength(1);
      });

      it('accepts the exact expected revision and rejects any other', async () => {
        const streamId = newStreamId('exact');
        await store.append(streamId, newEvents(2), 'no-stream');

        await expect(store.append(streamId, newEvents(1), 1)).resolves.toMatchObject({
          revision: 2,
        });
        const stale = await store.append(streamId, newEvents(1), 1).catch((e) => e);
        const ahead = await store.append(streamId, newEvents(1), 7).catch((e) => e);

        expect(stale).toBeInstanceOf(WrongExpectedRevisionError);
        expect(stale).toMatchObject({ streamId, expected: 1, actual: 2 });
        expect(ahead).toBeInstanceOf(WrongExpectedRevisionError);
        expect(await store.readStream(streamId)).toHaveLength(3);
      });

      it('rejects a numeric expected revision on a stream that does not exist', async () => {
        const streamId = newStreamId('missing');

        const error = await store.append(streamId, newEvents(1), 0).catch((e) => e);

        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(error).toMatchObject({ streamId, expected: 0, actual: 'no-stream' });
        expect(await store.readStream(streamId)).toEqual([]);
      });

      it("appends with 'any' whether or not the stream exists", async () => {
        const streamId = newStreamId('any');

        await expect(store.append(streamId, newEvents(1), 'any')).resolves.toMatchObject({
          revision: 0,
        });
        await expect(store.append(streamId, newEvents(2), 'any')).resolves.toMatchObject({
          revision: 2,
        });
      });

      it('rejects an empty append', async () => {
        const streamId = newStreamId('empty');

        const error = await store.append(streamId, [], 'any').catch((e) => e);

        expect(error).toBeInstanceOf(Error);
        expect(error).not.toBeInstanceOf(WrongExpectedRevisionError);
        expect(await store.readStream(streamId)).toEqual([]);
      });

      it('keeps revisions gapless per stream and positions increasing across streams', async () => {
        const a = newStreamId('interleaved-a');
        const b = newStreamId('interleaved-b');
        const checkpoint = await store.headPosition();
        const batches: [string, NewEvent[]][] = [
          [a, newEvents(2)],
          [b, newEvents(1)],
          [a, newEvents(3)],
          [b, newEvents(2)],
        ];

        const results = [];
        for (const [streamId, events] of batches) {
          results.push(await store.append(streamId, events, 'any'));
        }

        expect((await store.readStream(a)).map((event) => event.revision)).toEqual(range(0, 4));
        expect((await store.readStream(b)).map((event) => event.revision)).toEqual(range(0, 2));
        expect(results.map((result) => result.revision)).toEqual([1, 0, 4, 2]);
        const log = (await store.readAll({ after: checkpoint })).filter(
          (event) => event.streamId === a || event.streamId === b,
        );
        expect(log.map((event) => event.eventId)).toEqual(
          batches.flatMap(([, events]) => events.map((event) => event.eventId)),
        );
        expectStrictlyIncreasing(positionsOf(log));
        const lastOfEachAppend = [log[1], log[2], log[5], log[7]];
        expect(results.map((result) => result.position)).toEqual(positionsOf(lastOfEachAppend));
      });

      it('writes none of a multi-event append that fails', async () => {
        const streamId = newStreamId('atomic');
        await store.append(streamId, newEvents(1), 'no-stream');
        const good = newEvents(2);
        // JSON cannot encode a bigint, so the last event fails after the others were accepted.
        const bad = newEvent({ data: { amount: BigInt(1) } });

        await expect(store.append(streamId, [...good, bad], 0)).rejects.toThrow();

        expect(await store.readStream(streamId)).toHaveLength(1);
        // Nothing of the failed append lingers: its ids and revisions are still free.
        await expect(store.append(streamId, good, 0)).resolves.toMatchObject({ revision: 2 });
      });

      it('answers a re-sent append with the original result and writes nothing', async () => {
        const streamId = newStreamId('resend');
        const checkpoint = await store.headPosition();
        const first = newEvents(2);
        const second = newEvents(1);
        const firstResult = await store.append(streamId, first, 'no-stream');
        const secondResult = await store.append(streamId, second, 1);
        const before = await store.readStream(streamId);

        await expect(store.append(streamId, first, 'no-stream')).resolves.toEqual(firstResult);
        await expect(store.append(streamId, first, 'any')).resolves.toEqual(firstResult);
        await expect(store.append(streamId, second, 1)).resolves.toEqual(secondResult);
        await expect(store.append(streamId, second, 0)).resolves.toEqual(secondResult);

        expect(await store.readStream(streamId)).toStrictEqual(before);
        expect(inStream(await store.readAll({ after: checkpoint }), streamId)).toHaveLength(3);
      });

      it('rejects a partial or reordered duplicate and writes nothing', async () => {
        const streamId = newStreamId('partial');
        const [a, b] = newEvents(2);
        const fresh = newEvent();
        await store.append(streamId, [a, b], 'no-stream');

        for (const events of [
          [b, fresh],
          [fresh, a],
          [b, a],
          [a, b, fresh],
        ]) {
          const error = await store.append(streamId, events, 'any').catch((e) => e);
          expect(error).toBeInstanceOf(PartialDuplicateAppendError);
          expect(error).toMatchObject({ streamId });
        }

        expect((await store.readStream(streamId)).map((event) => event.eventId)).toEqual([
          a.eventId,
          b.eventId,
        ]);
        await expect(store.append(streamId, [fresh], 1)).resolves.toMatchObject({ revision: 2 });
      });

      (detectsIdsOfOtherStreams ? it : it.skip)(
        'rejects event ids that are stored in another stream',
        async () => {
          const original = newStreamId('owner');
          const other = newStreamId('thief');
          const events = newEvents(2);
          await store.append(original, events, 'no-stream');

          const error = await store.append(other, events, 'no-stream').catch((e) => e);

          expect(error).toBeInstanceOf(PartialDuplicateAppendError);
          expect(await store.readStream(other)).toEqual([]);
        },
      );

      it('lets exactly one of several concurrent appends with the same expected revision win', async () => {
        const streamId = newStreamId('race');
        await store.append(streamId, newEvents(1), 'no-stream');
        const contenders = newEvents(5);

        const outcomes = await Promise.allSettled(
          contenders.map((event) => store.append(streamId, [event], 0)),
        );

        const winners = outcomes.flatMap((outcome, index) =>
          outcome.status === 'fulfilled' ? [contenders[index]] : [],
        );
        const losers = outcomes.flatMap((outcome) =>
          outcome.status === 'rejected' ? [outcome.reason] : [],
        );
        expect(winners).toHaveLength(1);
        expect(losers).toHaveLength(4);
        losers.forEach((error) => expect(error).toBeInstanceOf(WrongExpectedRevisionError));
        const stored = await store.readStream(streamId);
        expect(stored.map((event) => event.eventId)).toEqual([
          stored[0].eventId,
          winners[0].eventId,
        ]);
      });

      it("lets exactly one of several concurrent 'no-stream' appends create the stream", async () => {
        const streamId = newStreamId('create-race');

        const outcomes = await Promise.allSettled(
          newEvents(5).map((event) => store.append(streamId, [event], 'no-stream')),
        );

        expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
        expect(await store.readStream(streamId)).toHaveLength(1);
      });
    });

    describe('readStream', () => {
      let streamId: string;

      beforeEach(async () => {
        streamId = newStreamId('read');
        await store.append(streamId, newEvents(3), 'no-stream');
        await store.append(streamId, newEvents(2), 2);
      });

      async function revisions(options?: Parameters<EventStore['readStream']>[1]) {
        return (await store.readStream(streamId, options)).map((event) => event.revision);
      }

      it('reads forwards from a revision, up to maxCount', async () => {
        expect(await revisions()).toEqual([0, 1, 2, 3, 4]);
        expect(await revisions({ direction: 'forwards', fromRevision: 2 })).toEqual([2, 3, 4]);
        expect(await revisions({ maxCount: 2 })).toEqual([0, 1]);
        expect(await revisions({ fromRevision: 1, maxCount: 2 })).toEqual([1, 2]);
        expect(await revisions({ fromRevision: 5 })).toEqual([]);
      });

      it('reads backwards from the last event or from a revision, up to maxCount', async () => {
        expect(await revisions({ direction: 'backwards' })).toEqual([4, 3, 2, 1, 0]);
        expect(await revisions({ direction: 'backwards', fromRevision: 2 })).toEqual([2, 1, 0]);
        expect(await revisions({ direction: 'backwards', maxCount: 2 })).toEqual([4, 3]);
        expect(await revisions({ direction: 'backwards', fromRevision: 3, maxCount: 2 })).toEqual([
          3, 2,
        ]);
      });

      it('reads an unknown stream as empty', async () => {
        const unknown = newStreamId('unknown');

        expect(await store.readStream(unknown)).toEqual([]);
        expect(await store.readStream(unknown, { direction: 'backwards' })).toEqual([]);
      });
    });

    describe('findEvent', () => {
      it('tells where an event of the stream sits, and nothing for other streams or ids', async () => {
        const streamId = newStreamId('find');
        const other = newStreamId('find-other');
        const events = newEvents(3);
        await store.append(streamId, events, 'no-stream');
        await store.append(other, newEvents(1), 'no-stream');
        const stored = await store.readStream(streamId);

        expect(await store.findEvent(streamId, events[1].eventId)).toEqual({
          revision: 1,
          position: stored[1].position,
        });
        expect(await store.findEvent(streamId, events[0].eventId)).toEqual({
          revision: 0,
          position: stored[0].position,
        });
        expect(await store.findEvent(other, events[1].eventId)).toBeUndefined();
        expect(await store.findEvent(streamId, randomUUID())).toBeUndefined();
        expect(await store.findEvent(newStreamId('find-unknown'), randomUUID())).toBeUndefined();
      });
    });

    describe('readAll', () => {
      it('reads the global log after an exclusive position, up to maxCount', async () => {
        const checkpoint = await store.headPosition();
        const streamId = newStreamId('read-all');
        await store.append(streamId, newEvents(3), 'no-stream');
        await store.append(newStreamId('read-all-other'), newEvents(2), 'no-stream');
        const last = await store.append(streamId, newEvents(1), 2);

        const log = await logBetween(checkpoint, last.position);
        const page = await store.readAll({ after: log[1].position, maxCount: 2 });

        expect(log.length).toBeGreaterThanOrEqual(6);
        expectStrictlyIncreasing(positionsOf(log));
        expect(log.every((event) => event.position > checkpoint)).toBe(true);
        expect(page).toStrictEqual(log.slice(2, 4));
        expect(await store.readAll({ maxCount: 1 })).toHaveLength(1);
        expect(inStream(log, streamId)).toStrictEqual(await store.readStream(streamId));
      });
    });

    describe('hash chain', () => {
      it('chains each event to the previous one of its stream, from 64 zeros at revision 0', async () => {
        const a = newStreamId('chain-a');
        const b = newStreamId('chain-b');
        await store.append(a, newEvents(2), 'no-stream');
        await store.append(b, newEvents(1), 'no-stream');
        await store.append(a, newEvents(3), 1);
        await store.append(b, newEvents(1), 0);

        const streamA = await store.readStream(a);
        const streamB = await store.readStream(b);

        expect(streamA).toHaveLength(5);
        expectValidChain(streamA);
        expectValidChain(streamB);
        expect(new Set([...streamA, ...streamB].map((event) => event.hash)).size).toBe(7);
      });

      it('hashes the canonical form, whatever the key order, characters and numbers', async () => {
        const streamId = newStreamId('chain-canonical');
        const awkward = newEvent({
          type: 'CanonicalFormTested',
          data: {
            zeta: 1,
            alpha: { z: [3, 2, 1], a: null, m: { '10': 'ten', '9': 'nine', B: 'b', a: 'a' } },
            unicode: 'Zoë € 😀 \u2028 \u0007 "quoted" \\ /',
            '€uro': true,
            '😀': 'surrogate-pair key',
            numbers: [0, -0, 1e21, 1e-7, 0.1, 123456789012345, -1.5, 2 ** 53 - 1],
            empty: { object: {}, array: [], text: '' },
          },
          metadata: {
            commandId: randomUUID(),
            causationId: randomUUID(),
            correlationId: randomUUID(),
            actor: { roles: ['b', 'a'], subject: 'söme-one' },
          },
        });

        await store.append(streamId, [awkward, newEvent()], 'no-stream');

        const stored = await store.readStream(streamId);
        expectValidChain(stored);
      });

      it('hands out the same hash on every read path', async () => {
        const streamId = newStreamId('chain-reads');
        const checkpoint = await store.headPosition();
        await store.append(streamId, newEvents(3), 'no-stream');
        await store.append(streamId, newEvents(2), 2);
        const forwards = await store.readStream(streamId);
        const received: EventEnvelope[] = [];
        const subscription = store.subscribeToAll({ after: checkpoint }, async (batch) => {
          received.push(...batch);
        });
        await waitUntil(() => inStream(received, streamId).length === 5, 'all arrived');
        await subscription.stop();

        expectValidChain(forwards);
        const backwards = await store.readStream(streamId, { direction: 'backwards' });
        const fromMiddle = await store.readStream(streamId, { fromRevision: 2, maxCount: 2 });
        expect(backwards.reverse()).toStrictEqual(forwards);
        expect(fromMiddle).toStrictEqual(forwards.slice(2, 4));
        expect(inStream(await store.readAll({ after: checkpoint }), streamId)).toStrictEqual(
          forwards,
        );
        expect(inStream(received, streamId)).toStrictEqual(forwards);
      });

      it('leaves the chain untouched when an append is re-sent or refused', async () => {
        const streamId = newStreamId('chain-resend');
        const first = newEvents(2);
        await store.append(streamId, first, 'no-stream');
        const before = await store.readStream(streamId);

        await store.append(streamId, first, 'no-stream');
        await store.append(streamId, newEvents(1), 0).catch(() => undefined);
        await store
          .append(streamId, [newEvent({ data: { amount: BigInt(1) } })], 1)
          .catch(() => undefined);
        await store.append(streamId, newEvents(1), 1);

        const after = await store.readStream(streamId);
        expect(after.slice(0, 2)).toStrictEqual(before);
        expectValidChain(after);
      });

      it('continues the chain after close and reopen (when the adapter can reopen)', async () => {
        const { reopen } = opened;
        if (!reopen) return;
        const streamId = newStreamId('chain-durable');
        await store.append(streamId, newEvents(2), 'no-stream');
        await store.close();

        const reopened = await reopen();
        try {
          await reopened.append(streamId, newEvents(2), 1);
          expectValidChain(await reopened.readStream(streamId));
        } finally {
          await reopened.close();
        }
      });
    });

    describe('envelope', () => {
      it('round-trips every field exactly', async () => {
        const streamId = newStreamId('envelope');
        const opening = newEvent({
          type: 'AccountOpened',
          schemaVersion: 2,
          data: {
            owner: { name: 'Zoë Ågren-O’Neil 🚀', tags: ['vip', 'eu'] },
            limits: { daily: { amountMinor: 150000, currency: 'EUR' }, monthly: null },
            flags: [true, false, null, 0, -1.5, ''],
            nested: { deeper: { deepest: [{ a: 1 }, { b: [2, 3] }] } },
            empty: {},
          },
          metadata: {
            actor: { subject: 'user-42', roles: ['teller', 'auditor'] },
            correlationId: randomUUID(),
            causationId: randomUUID(),
            commandId: randomUUID(),
          },
        });
        const deposit = newEvent({ type: 'FundsDeposited', data: { amountMinor: 1050 } });
        // A position the store handed out: `after` takes nothing else (see LogPosition).
        const checkpoint = await store.headPosition();
        const before = Date.now();

        const result = await store.append(streamId, [opening, deposit], 'no-stream');

        const after = Date.now();
        const [first, second] = await store.readStream(streamId);
        expect(first).toStrictEqual({
          ...opening,
          streamId,
          revision: 0,
          position: first.position,
          recordedAt: first.recordedAt,
          hash: first.hash,
        });
        expect(second).toStrictEqual({
          ...deposit,
          streamId,
          revision: 1,
          position: result.position,
          recordedAt: second.recordedAt,
          hash: second.hash,
        });
        expect(first.position).toBeLessThan(second.position);
        for (const { recordedAt } of [first, second]) {
          expect(recordedAt).toMatch(ISO_UTC);
          expect(Date.parse(recordedAt)).toBeGreaterThanOrEqual(before - CLOCK_SKEW_MS);
          expect(Date.parse(recordedAt)).toBeLessThanOrEqual(after + CLOCK_SKEW_MS);
        }
        const log = inStream(await store.readAll({ after: checkpoint }), streamId);
        expect(log).toStrictEqual([first, second]);
      });
    });

    describe('subscribeToAll', () => {
      it('delivers exactly the events after the checkpoint, then live appends', async () => {
        const streamId = newStreamId('subscribe');
        await store.append(streamId, newEvents(3), 'no-stream');
        const [checkpointEvent] = await store.readStream(streamId);
        const received: EventEnvelope[] = [];

        const subscription = store.subscribeToAll(
          { after: checkpointEvent.position },
          async (batch) => {
            received.push(...batch);
          },
        );
        await waitUntil(() => inStream(received, streamId).length === 2, 'caught up');
        await store.append(streamId, newEvents(2), 2);
        await waitUntil(() => inStream(received, streamId).length === 4, 'live events arrived');
        await subscription.stop();

        expect(inStream(received, streamId)).toStrictEqual(
          await store.readStream(streamId, { fromRevision: 1 }),
        );
        const lastPosition = received[received.length - 1].position;
        expect(positionsOf(received)).toEqual(
          positionsOf(await logBetween(checkpointEvent.position, lastPosition)),
        );
        await expect(subscription.done).resolves.toBeUndefined();
      });

      it('has no gaps or duplicates when events are appended while it catches up', async () => {
        const streamId = newStreamId('catch-up-race');
        const checkpoint = await store.headPosition();
        const batches: EventEnvelope[][] = [];
        let expected: ExpectedRevision = 'no-stream';
        let last = { revision: -1, position: checkpoint };
        const appendOne = async (n: number) => {
          last = await store.append(streamId, [newEvent({ data: { n } })], expected);
          expected = last.revision;
        };
        for (let n = 0; n < 100; n++) await appendOne(n);

        const subscription = store.subscribeToAll(
          { after: checkpoint, batchSize: 50 },
          async (batch) => {
            batches.push(batch);
            await nextTick();
          },
        );
        for (let n = 100; n < 300; n++) {
          await appendOne(n);
          // Give the subscriber turns while the writer is still going.
          if (n % 5 === 0) await nextTick();
        }
        const lastPosition = last.position;
        await waitUntil(
          () => batches.some((batch) => batch.some((event) => event.position === lastPosition)),
          'the last append arrived',
        );
        await subscription.stop();

        const received = batches.flat();
        expect(batches.every((batch) => batch.length >= 1 && batch.length <= 50)).toBe(true);
        expect(positionsOf(received)).toEqual(
          positionsOf(await logBetween(checkpoint, received[received.length - 1].position)),
        );
        expect(inStream(received, streamId).map((event) => event.data)).toEqual(
          range(0, 299).map((n) => ({ n })),
        );
      });

      it('waits for the handler before delivering the next batch', async () => {
        const streamId = newStreamId('back-pressure');
        const checkpoint = await store.headPosition();
        await store.append(streamId, newEvents(6), 'no-stream');
        const batches: EventEnvelope[][] = [];
        const firstBatchDone = gate();
        let inFlight = 0;
        let maxInFlight = 0;

        const subscription = store.subscribeToAll(
          { after: checkpoint, batchSize: 2 },
          async (batch) => {
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            batches.push(batch);
            if (batches.length === 1) await firstBatchDone.opened;
            await nextTick();
            inFlight--;
          },
        );
        await waitUntil(() => batches.length === 1, 'the first batch arrived');
        await store.append(streamId, newEvents(2), 5);
        await sleep(QUIET_MS);
        expect(batches).toHaveLength(1);

        firstBatchDone.open();
        await waitUntil(() => inStream(batches.flat(), streamId).length === 8, 'all arrived');
        await subscription.stop();

        expect(maxInFlight).toBe(1);
        expect(batches.every((batch) => batch.length >= 1 && batch.length <= 2)).toBe(true);
        expect(inStream(batches.flat(), streamId).map((event) => event.revision)).toEqual(
          range(0, 7),
        );
      });

      it('stop() lets the batch in flight finish, then halts delivery', async () => {
        const streamId = newStreamId('stop');
        const checkpoint = await store.headPosition();
        await store.append(streamId, newEvents(2), 'no-stream');
        const handlerMayFinish = gate();
        let calls = 0;
        let finished = 0;
        const subscription = store.subscribeToAll({ after: checkpoint }, async () => {
          calls++;
          await handlerMayFinish.opened;
          finished++;
        });
        await waitUntil(() => calls === 1, 'the first batch arrived');

        let stopped = false;
        const stopping = subscription.stop().then(() => {
          stopped = true;
        });
        await sleep(50);
        expect(stopped).toBe(false);
        handlerMayFinish.open();
        await stopping;

        expect(finished).toBe(1);
        await expect(subscription.done).resolves.toBeUndefined();
        await store.append(streamId, newEvents(3), 1);
        await sleep(QUIET_MS);
        expect(calls).toBe(1);
      });

      it('rejects done and stops when the handler throws', async () => {
        const streamId = newStreamId('handler-fails');
        const checkpoint = await store.headPosition();
        await store.append(streamId, newEvents(1), 'no-stream');
        let calls = 0;

        const subscription = store.subscribeToAll({ after: checkpoint }, async () => {
          calls++;
          throw new Error('projection failed');
        });

        await expect(subscription.done).rejects.toThrow('projection failed');
        await store.append(streamId, newEvents(1), 0);
        await sleep(QUIET_MS);
        expect(calls).toBe(1);
        await expect(subscription.stop()).resolves.toBeUndefined();
      });
    });

    describe('close', () => {
      it('ends live subscriptions and can be called twice', async () => {
        const streamId = newStreamId('close');
        const checkpoint = await store.headPosition();
        await store.append(streamId, newEvents(1), 'no-stream');
        const received: EventEnvelope[] = [];
        const subscription = store.subscribeToAll({ after: checkpoint }, async (batch) => {
          received.push(...batch);
        });
        await waitUntil(() => inStream(received, streamId).length === 1, 'caught up');

        await store.close();

        await expect(subscription.done).resolves.toBeUndefined();
        await expect(store.close()).resolves.toBeUndefined();
      });

      it('keeps accepted events across close and reopen (when the adapter can reopen)', async () => {
        const { reopen } = opened;
        if (!reopen) return;
        const streamId = newStreamId('durable');
        await store.append(streamId, newEvents(2), 'no-stream');
        const result = await store.append(streamId, newEvents(1), 1);
        const before = await store.readStream(streamId);
        await store.close();

        const reopened = await reopen();
        try {
          expect(await reopened.readStream(streamId)).toStrictEqual(before);
          expect(await reopened.headPosition()).toBeGreaterThanOrEqual(result.position);
          const next = await reopened.append(streamId, newEvents(1), 2);
          expect(next.revision).toBe(3);
          expect(next.position).toBeGreaterThan(result.position);
        } finally {
          await reopened.close();
        }
      });
    });
  });
}
