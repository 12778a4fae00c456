import {
  AccessDeniedError,
  CancelledError,
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  NO_STREAM,
  NotLeaderError,
  START,
  StreamDeletedError,
  TimeoutError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
  type RecordedEvent,
  type StreamingRead,
} from '@eventstore/db-client';
import { PassThrough } from 'node:stream';
import { envelopeHash, GENESIS_HASH, type NewEvent } from '../event-envelope';
import { EventStoreUnavailableError, PartialDuplicateAppendError } from '../event-store.errors';
import { findResend, lastRevisionOf, toEsdbExpectedRevision } from './eventstoredb-append';
import { collect, isUnavailable, toStoreError, withDeadline } from './eventstoredb-errors';
import {
  ForeignEventError,
  InvalidEventError,
  isSystemEvent,
  serializeEvent,
  toEnvelope,
  toProposedEvents,
  type StoredMetadata,
} from './eventstoredb-events';
import {
  EventStoreDbPositionError,
  fromLedgerPosition,
  toLedgerPosition,
} from './eventstoredb-position';

const NO_POSITION = BigInt('18446744073709551615');

function newEvent(overrides: Partial<NewEvent> = {}): NewEvent {
  return {
    eventId: 'a3bb189e-8bf9-4888-9912-ace4e6543002',
    type: 'FundsDeposited',
    schemaVersion: 2,
    data: { amountMinor: 1050, note: 'Zoë 🚀', tags: [null, true, -1.5, ''], empty: {} },
    metadata: {
      actor: { subject: 'user-42', roles: ['teller'] },
      correlationId: 'c0000000-0000-4000-8000-000000000001',
      causationId: 'c0000000-0000-4000-8000-000000000002',
      commandId: 'c0000000-0000-4000-8000-000000000003',
    },
    ...overrides,
  };
}

const RECORDED_AT = '2024-05-06T07:08:09.123Z';

/** The event as the adapter would propose it at revision 3 of account-1. */
function propose(event: NewEvent, previousHash = GENESIS_HASH) {
  const [proposed] = toProposedEvents(
    'account-1',
    [serializeEvent(event)],
    3,
    previousHash,
    RECORDED_AT,
  );
  return proposed;
}

function storedMetadataOf(proposed: ReturnType<typeof propose>): StoredMetadata {
  return JSON.parse(Buffer.from(proposed.metadata as Uint8Array).toString('utf8'));
}

/** What the client hands back for an event it wrote from `proposed`, as convertGrpcRecord does. */
function recordedFrom(event: NewEvent, overrides: Partial<RecordedEvent> = {}): RecordedEvent {
  const proposed = propose(event);
  return {
    streamId: 'account-1',
    id: proposed.id,
    isJson: true,
    revision: BigInt(3),
    type: proposed.type,
    // EventStoreDB's own clock, which the envelope does not use.
    created: new Date('2024-05-06T07:08:09.456Z'),
    data: JSON.parse(JSON.stringify(proposed.data)),
    metadata: storedMetadataOf(proposed),
    position: { commit: BigInt(4242), prepare: BigInt(4242) },
    ...overrides,
  } as RecordedEvent;
}

describe('EventStoreDB position mapping', () => {
  it('uses the prepare position, and maps it back to a $all position', () => {
    const position = toLedgerPosition({ commit: BigInt(9000), prepare: BigInt(8765) }, 'e');

    expect(position).toBe(8765);
    expect(fromLedgerPosition(position)).toEqual({ commit: BigInt(8765), prepare: BigInt(8765) });
    expect(toLedgerPosition(fromLedgerPosition(position) as never, 'e')).toBe(position);
  });

  it('maps the start of the log to START', () => {
    expect(fromLedgerPosition(0)).toBe(START);
  });

  it('keeps positions exact up to the largest safe integer', () => {
    const max = Number.MAX_SAFE_INTEGER;
    const big = BigInt(max);

    expect(toLedgerPosition({ commit: big, prepare: big }, 'e')).toBe(max);
    expect(() =>
      toLedgerPosition({ commit: big + BigInt(1), prepare: big + BigInt(1) }, 'e'),
    ).toThrow(EventStoreDbPositionError);
  });

  it('refuses events without a usable position', () => {
    for (const position of [
      undefined,
      { commit: NO_POSITION, prepare: NO_POSITION },
      { commit: BigInt(0), prepare: BigInt(0) },
    ]) {
      expect(() => toLedgerPosition(position, 'e')).toThrow(EventStoreDbPositionError);
    }
  });

  it('refuses checkpoints that are not non-negative safe integers', () => {
    for (const after of [-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1]) {
      expect(() => fromLedgerPosition(after)).toThrow(RangeError);
    }
  });
});

describe('EventStoreDB event conversion', () => {
  it('stores schemaVersion, metadata, recording time and hash in the metadata JSON', () => {
    const event = newEvent();

    const proposed = propose(event);

    expect(proposed).toMatchObject({
      id: event.eventId,
      contentType: 'application/json',
      type: event.type,
      data: event.data,
    });
    // A Uint8Array proper: the client sends bytes only if the constructor is Uint8Array.
    expect(proposed.metadata?.constructor).toBe(Uint8Array);
    expect(storedMetadataOf(proposed)).toEqual({
      $correlationId: event.metadata.correlationId,
      $causationId: event.metadata.causationId,
      schemaVersion: 2,
      recordedAt: RECORDED_AT,
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      metadata: event.metadata,
    });
  });

  it('round-trips every envelope field', () => {
    const event = newEvent();

    const envelope = toEnvelope(recordedFrom(event));

    expect(envelope).toStrictEqual({
      ...event,
      streamId: 'account-1',
      revision: 3,
      position: 4242,
      recordedAt: RECORDED_AT,
      hash: envelopeHash(
        { ...event, streamId: 'account-1', revision: 3, recordedAt: RECORDED_AT },
        GENESIS_HASH,
      ),
    });
  });

  it('hashes events as they come back out of JSON, chained within an append', () => {
    const first = newEvent({ data: { kept: 1, dropped: undefined } });
    const second = newEvent({ eventId: 'b3bb189e-8bf9-4888-9912-ace4e6543002' });
    const previous = 'f'.repeat(64);

    const proposed = toProposedEvents(
      's',
      [first, second].map(serializeEvent),
      5,
      previous,
      RECORDED_AT,
    ).map(storedMetadataOf);

    const fields = { streamId: 's', recordedAt: RECORDED_AT };
    const firstHash = envelopeHash(
      { ...first, data: { kept: 1 }, ...fields, revision: 5 },
      previous,
    );
    expect(proposed.map((stored) => stored.hash)).toEqual([
      firstHash,
      envelopeHash({ ...second, ...fields, revision: 6 }, firstHash),
    ]);
  });

  it('refuses, before anything is sent, events that cannot be stored as they are', () => {
    for (const event of [
      newEvent({ data: { amount: BigInt(1) } }),
      newEvent({ data: undefined }),
      newEvent({ metadata: null as never }),
      newEvent({ eventId: 'not-a-uuid' }),
      newEvent({ eventId: 'A3BB189E-8BF9-4888-9912-ACE4E6543002' }),
      newEvent({ type: '$metadata' }),
      newEvent({ type: '' }),
      newEvent({ schemaVersion: 1.5 }),
    ]) {
      expect(() => serializeEvent(event)).toThrow(InvalidEventError);
    }
  });

  it('refuses events this adapter did not write', () => {
    const event = newEvent();

    expect(() => toEnvelope(recordedFrom(event, { isJson: false } as never))).toThrow(
      ForeignEventError,
    );
    expect(() => toEnvelope(recordedFrom(event, { metadata: { foo: 1 } }))).toThrow(
      ForeignEventError,
    );
    const { hash: _hash, ...unhashed } = storedMetadataOf(propose(event));
    expect(() => toEnvelope(recordedFrom(event, { metadata: unhashed }))).toThrow(
      ForeignEventError,
    );
    expect(() => toEnvelope(recordedFrom(event, { metadata: undefined }))).toThrow(
      ForeignEventError,
    );
    expect(() => toEnvelope(recordedFrom(event, { position: undefined }))).toThrow(
      EventStoreDbPositionError,
    );
  });

  it('tells system events by a $ in front of the type or the stream', () => {
    expect(isSystemEvent({ type: '$>', streamId: '$ce-account' })).toBe(true);
    expect(isSystemEvent({ type: '$statsCollected', streamId: 'stats' })).toBe(true);
    expect(isSystemEvent({ type: 'Result', streamId: '$projections-x-result' })).toBe(true);
    expect(isSystemEvent({ type: 'FundsDeposited', streamId: 'account-1' })).toBe(false);
  });
});

describe('EventStoreDB append helpers', () => {
  const stream = [0, 1, 2].map((revision) => ({
    eventId: `id-${revision}`,
    revision,
    position: 100 + revision,
  }));
  const ids = (...revisions: number[]) => revisions.map((r) => ({ eventId: `id-${r}` }));

  it('maps expected revisions to EventStoreDB', () => {
    expect(toEsdbExpectedRevision('no-stream')).toBe(NO_STREAM);
    expect(toEsdbExpectedRevision(7)).toBe(BigInt(7));
    expect(lastRevisionOf([])).toBe('no-stream');
    expect(lastRevisionOf(stream)).toBe(2);
  });

  it('answers a complete, in-order repeat with the original result', () => {
    expect(findResend('s', ids(1, 2), stream)).toEqual({ revision: 2, position: 102 });
    expect(findResend('s', ids(0), stream)).toEqual({ revision: 0, position: 100 });
  });

  it('leaves new events to be appended', () => {
    expect(findResend('s', [{ eventId: 'new' }], stream)).toBeUndefined();
    expect(findResend('s', ids(0), [])).toBeUndefined();
  });

  it('rejects partial, reordered and gapped repeats', () => {
    for (const events of [
      [...ids(2), { eventId: 'new' }],
      [{ eventId: 'new' }, ...ids(0)],
      ids(1, 0),
      ids(0, 2),
    ]) {
      expect(() => findResend('s', events, stream)).toThrow(PartialDuplicateAppendError);
    }
  });
});

describe('EventStoreDB error mapping', () => {
  const serviceError = (code: number) =>
    ({ code, message: `status ${code}`, details: '', metadata: undefined }) as never;

  it('reports the store as unavailable when it cannot answer now', () => {
    for (const error of [
      new UnavailableError(),
      new DeadlineExceededError(),
      new TimeoutError(),
      new CancelledError(),
      new UnknownError(serviceError(8)),
      // A raw gRPC error, as the client hands on from fetching server features.
      Object.assign(new Error('14 UNAVAILABLE: No connection established'), {
        code: 14,
        details: 'No connection established',
      }),
      new Error('Failed to discover after 10 attempts.'),
    ]) {
      expect(isUnavailable(error)).toBe(true);
      const mapped = toStoreError(error, 'append to s');
      expect(mapped).toBeInstanceOf(EventStoreUnavailableError);
      expect((mapped as Error).message).toMatch(/^append to s: EventStoreDB is unavailable/);
      expect((mapped as Error).cause).toBe(error);
    }
  });

  it('counts a lost leadership as unavailability', () => {
    const metadata = {
      getMap: () => ({ 'leader-endpoint-host': 'node-2', 'leader-endpoint-port': '2113' }),
    };
    const error = new NotLeaderError({ ...(serviceError(5) as object), metadata } as never);

    expect(toStoreError(error, 'read')).toBeInstanceOf(EventStoreUnavailableError);
  });

  it('passes faults that waiting will not fix on unchanged', () => {
    for (const error of [
      new AccessDeniedError(),
      StreamDeletedError.fromStreamName('s'),
      MaxAppendSizeExceededError.fromMaxAppendSize(1024),
      new UnknownError(serviceError(13)),
      new WrongExpectedVersionError(undefined, {
        streamName: 's',
        expected: BigInt(1),
        current: BigInt(2),
      }),
      new TypeError('bug'),
      'not an error',
    ]) {
      expect(isUnavailable(error)).toBe(false);
      expect(toStoreError(error, 'op')).toBe(error);
    }
  });

  it('bounds any call with a deadline', async () => {
    await expect(withDeadline(Promise.resolve(1), 50, 'op')).resolves.toBe(1);
    const failure = new Error('boom');
    await expect(withDeadline(Promise.reject(failure), 50, 'op')).rejects.toBe(failure);
    await expect(withDeadline(new Promise(() => undefined), 20, 'op')).rejects.toThrow(
      new EventStoreUnavailableError('op: no answer from EventStoreDB within 20 ms'),
    );
  });

  describe('collect', () => {
    function fakeRead() {
      const cancel = jest.fn(async () => undefined);
      const read = Object.assign(new PassThrough({ objectMode: true }), { cancel });
      return { read: read as unknown as StreamingRead<number> & PassThrough, cancel };
    }

    it('gathers a read to its end', async () => {
      const { read } = fakeRead();
      const collecting = collect(read, 100, 'read');
      read.write(1);
      read.write(2);
      read.end();

      await expect(collecting).resolves.toEqual([1, 2]);
    });

    it('rejects with the read error', async () => {
      const { read } = fakeRead();
      const failure = new UnavailableError();
      const collecting = collect(read, 100, 'read');
      read.destroy(failure);

      await expect(collecting).rejects.toBe(failure);
    });

    it('cancels a read that goes silent and reports the store unavailable', async () => {
      const { read, cancel } = fakeRead();
      const collecting = collect(read, 30, 'read stream s');
      read.write(1);

      await expect(collecting).rejects.toThrow(EventStoreUnavailableError);
      expect(cancel).toHaveBeenCalled();
    });
  });
});
