import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SqliteEventStore } from '../../src/event-store/embedded/sqlite-event-store';
import { envelopeHash, GENESIS_HASH, type NewEvent } from '../../src/event-store/event-envelope';
import {
  PartialDuplicateAppendError,
  WrongExpectedRevisionError,
} from '../../src/event-store/event-store.errors';

function newEvent(n: number): NewEvent {
  return {
    eventId: randomUUID(),
    type: 'GroupTested',
    schemaVersion: 1,
    data: { n },
    metadata: {
      actor: { subject: 'group-test', roles: [] },
      correlationId: randomUUID(),
      causationId: randomUUID(),
      commandId: randomUUID(),
    },
  };
}

describe('SqliteEventStore group commit', () => {
  let dir: string;
  let store: SqliteEventStore;
  const groups: number[] = [];
  const steps: { clock: string; recordedAt: string }[] = [];
  let now = new Date('2026-12-01T12:00:00.000Z');

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ledgerline-group-'));
    groups.length = 0;
    steps.length = 0;
    now = new Date('2026-12-01T12:00:00.000Z');
    store = new SqliteEventStore({
      file: join(dir, 'events.sqlite'),
      clock: () => now,
      observer: {
        groupCommitted: (size) => groups.push(size),
        clockSteppedBack: (clock, recordedAt) => steps.push({ clock, recordedAt }),
      },
    });
    // The writer thread is up before the appends under test are sent together.
    await store.append('warm-up', [newEvent(0)], 'no-stream');
    groups.length = 0;
  });

  /**
   * Keeps the writer thread busy with one large commit, so that appends sent meanwhile are all
   * waiting in its queue when it is done, and form one group.
   */
  async function occupyWriter(): Promise<{ done: Promise<unknown> }> {
    const events = Array.from({ length: 3000 }, (_, n) => newEvent(n));
    const done = store.append(`busy-${randomUUID()}`, events, 'no-stream');
    // Usually long enough for the thread to take it up alone; if not, it joins the next group.
    await sleep(20);
    return { done };
  }

  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('commits appends sent together in one transaction, each checked on its own', async () => {
    const seeded = await store.append('account-conflict', [newEvent(0)], 'no-stream');
    const stored = newEvent(1);
    await store.append('account-dup', [stored], 'no-stream');
    groups.length = 0;

    const busy = await occupyWriter();
    const good = Array.from({ length: 40 }, (_, i) =>
      store.append(`account-${i}`, [newEvent(i), newEvent(i + 100)], 'no-stream'),
    );
    const conflicting = store.append('account-conflict', [newEvent(2)], 'no-stream');
    const partialDuplicate = store.append('account-dup', [stored, newEvent(3)], 0);
    const uniqueViolation = (() => {
      const repeated = newEvent(4);
      return store.append('account-repeat', [repeated, repeated], 'no-stream');
    })();
    const outcomes = await Promise.allSettled([
      ...good,
      conflicting,
      partialDuplicate,
      uniqueViolation,
    ]);
    await busy.done;

    const goodOutcomes = outcomes.slice(0, 40);
    expect(goodOutcomes.every((o) => o.status === 'fulfilled')).toBe(true);
    expect(outcomes[40]).toMatchObject({
      status: 'rejected',
      reason: expect.any(WrongExpectedRevisionError),
    });
    expect((outcomes[40] as PromiseRejectedResult).reason.actual).toBe(seeded.revision);
    expect(outcomes[41]).toMatchObject({
      status: 'rejected',
      reason: expect.any(PartialDuplicateAppendError),
    });
    expect(outcomes[42]).toMatchObject({
      status: 'rejected',
      reason: expect.objectContaining({ message: expect.stringMatching(/UNIQUE/) }),
    });
    // Everything sent while the writer was busy went into one commit (maybe with the busy one).
    expect(Math.max(...groups)).toBeGreaterThanOrEqual(43);

    // Each refused append wrote nothing; each accepted one wrote all of its events.
    expect((await store.readStream('account-conflict')).length).toBe(1);
    expect((await store.readStream('account-dup')).length).toBe(1);
    expect(await store.readStream('account-repeat')).toEqual([]);
    for (let i = 0; i < 40; i++) {
      const stream = await store.readStream(`account-${i}`);
      expect(stream.map((e) => e.data)).toEqual([{ n: i }, { n: i + 100 }]);
    }
    const log = await store.readAll();
    expect(log.map((e) => e.position)).toEqual(
      [...log.map((e) => e.position)].sort((a, b) => a - b),
    );
  });

  it('chains the hashes of two appends to one stream within a group', async () => {
    const busy = await occupyWriter();
    const first = store.append('account-chain', [newEvent(0), newEvent(1)], 'no-stream');
    const second = store.append('account-chain', [newEvent(2)], 1);
    const third = store.append('account-chain', [newEvent(3)], 'any');
    await expect(Promise.all([first, second, third])).resolves.toEqual([
      expect.objectContaining({ revision: 1 }),
      expect.objectContaining({ revision: 2 }),
      expect.objectContaining({ revision: 3 }),
    ]);
    await busy.done;
    expect(Math.max(...groups)).toBeGreaterThanOrEqual(3);

    let previous = GENESIS_HASH;
    for (const event of await store.readStream('account-chain')) {
      expect(event.hash).toBe(envelopeHash(event, previous));
      previous = event.hash;
    }
  });

  it('answers a re-send inside the same group with the first append', async () => {
    const events = [newEvent(0)];
    const busy = await occupyWriter();
    const [original, resent] = await Promise.all([
      store.append('account-resend', events, 'no-stream'),
      store.append('account-resend', events, 'no-stream'),
    ]);
    await busy.done;
    expect(Math.max(...groups)).toBeGreaterThanOrEqual(2);
    expect(resent).toEqual(original);
    expect((await store.readStream('account-resend')).length).toBe(1);
  });

  it('never records a time before the last recorded one when the clock steps back', async () => {
    now = new Date('2026-12-01T12:00:05.000Z');
    await store.append('account-clock', [newEvent(0)], 'no-stream');
    now = new Date('2000-01-01T00:00:00.000Z');
    await store.append('account-clock', [newEvent(1)], 0);
    await store.append('account-other', [newEvent(2)], 'no-stream');
    now = new Date('2026-12-01T12:00:06.000Z');
    await store.append('account-clock', [newEvent(3)], 1);

    const recorded = (await store.readAll()).map((e) => e.recordedAt);
    expect(recorded).toEqual([...recorded].sort());
    expect(recorded.slice(-4)).toEqual([
      '2026-12-01T12:00:05.000Z',
      '2026-12-01T12:00:05.000Z',
      '2026-12-01T12:00:05.000Z',
      '2026-12-01T12:00:06.000Z',
    ]);
    expect(steps).toEqual([
      { clock: '2000-01-01T00:00:00.000Z', recordedAt: '2026-12-01T12:00:05.000Z' },
      { clock: '2000-01-01T00:00:00.000Z', recordedAt: '2026-12-01T12:00:05.000Z' },
    ]);
  });

  it("notices another connection's appends within milliseconds, not a 100 ms poll", async () => {
    const writer = new SqliteEventStore({ file: join(dir, 'events.sqlite') });
    const delays: number[] = [];
    let appendedAt = 0;
    const subscription = store.subscribeToAll({ after: await store.headPosition() }, async () => {
      delays.push(performance.now() - appendedAt);
    });
    try {
      await writer.append('warm-up-writer', [newEvent(0)], 'no-stream');
      await sleep(50);
      delays.length = 0;
      for (let n = 0; n < 20; n++) {
        await writer.append('account-elsewhere', [newEvent(n)], n === 0 ? 'no-stream' : n - 1);
        appendedAt = performance.now();
        await sleep(30);
      }
    } finally {
      await subscription.stop();
      await writer.close();
    }
    expect(delays).toHaveLength(20);
    const median = [...delays].sort((a, b) => a - b)[10];
    expect(median).toBeLessThan(25);
  });
});
