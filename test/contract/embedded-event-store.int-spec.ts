import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteEventStore } from '../../src/event-store/embedded/sqlite-event-store';
import type { EventEnvelope, NewEvent } from '../../src/event-store/event-envelope';
import { WrongExpectedRevisionError } from '../../src/event-store/event-store.errors';
import { describeEventStoreContract } from './event-store.contract';

/** Short, so tests that depend on polling for another writer's appends stay fast. */
const POLL_INTERVAL_MS = 20;
const REPO_ROOT = resolve(__dirname, '../..');
const STORE_MODULE = join(REPO_ROOT, 'src/event-store/embedded/sqlite-event-store.ts');

describeEventStoreContract('SqliteEventStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ledgerline-event-store-'));
  const file = join(dir, 'events.sqlite');
  const store = new SqliteEventStore({ file, pollIntervalMs: POLL_INTERVAL_MS });
  return {
    store,
    reopen: async () => new SqliteEventStore({ file, pollIntervalMs: POLL_INTERVAL_MS }),
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

function newEvent(n: number): NewEvent {
  return {
    eventId: randomUUID(),
    type: 'SqliteTested',
    schemaVersion: 1,
    data: { n },
    metadata: {
      actor: { subject: 'sqlite-test', roles: [] },
      correlationId: randomUUID(),
      causationId: randomUUID(),
      commandId: randomUUID(),
    },
  };
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Appends `count` events, one append each, from a separate Node process. */
function appendFromChildProcess(file: string, streamId: string, count: number): Promise<void> {
  const script = `
    const { randomUUID } = require('node:crypto');
    const { SqliteEventStore } = require(process.env.STORE_MODULE);
    const metadata = { actor: { subject: 'child', roles: [] }, correlationId: 'c', causationId: 'c', commandId: 'c' };
    (async () => {
      const store = new SqliteEventStore({ file: process.env.STORE_FILE });
      let expected = 'no-stream';
      for (let n = 0; n < Number(process.env.COUNT); n++) {
        const event = { eventId: randomUUID(), type: 'ChildAppended', schemaVersion: 1, data: { n }, metadata };
        expected = (await store.append(process.env.STREAM_ID, [event], expected)).revision;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await store.close();
    })().catch((error) => { console.error(error); process.exit(1); });
  `;
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      STORE_MODULE,
      STORE_FILE: file,
      STREAM_ID: streamId,
      COUNT: String(count),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`child exited with ${code}: ${stderr}`)),
    );
  });
}

describe('SqliteEventStore on one file', () => {
  let dir: string;
  let file: string;
  const stores: SqliteEventStore[] = [];

  function openStore(): SqliteEventStore {
    const store = new SqliteEventStore({ file, pollIntervalMs: POLL_INTERVAL_MS });
    stores.push(store);
    return store;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ledgerline-event-store-'));
    file = join(dir, 'events.sqlite');
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a missing parent folder and numbers positions from 1', async () => {
    file = join(dir, 'nested', 'deeper', 'events.sqlite');
    const store = openStore();

    expect(existsSync(file)).toBe(true);
    expect(await store.headPosition()).toBe(0);
    expect(await store.readAll()).toEqual([]);
    await expect(store.append('account-1', [newEvent(0)], 'no-stream')).resolves.toEqual({
      revision: 0,
      position: 1,
    });
    expect(await store.headPosition()).toBe(1);
  });

  it('keeps events as plain rows that SQL tools can read', async () => {
    const store = openStore();
    const event = newEvent(7);
    await store.append('account-1', [event], 'no-stream');
    const [envelope] = await store.readStream('account-1');

    const raw = new Database(file, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.prepare('SELECT * FROM events').all()).toEqual([
        {
          position: 1,
          event_id: event.eventId,
          stream_id: 'account-1',
          revision: 0,
          type: event.type,
          schema_version: 1,
          recorded_at: envelope.recordedAt,
          data: JSON.stringify(event.data),
          metadata: JSON.stringify(event.metadata),
          hash: envelope.hash,
        },
      ]);
    } finally {
      raw.close();
    }
  });

  it('rolls back an append that fails after some rows were inserted', async () => {
    const store = openStore();
    const [a, b] = [newEvent(0), newEvent(1)];

    // The repeated id only fails on the third insert, inside the transaction.
    await expect(store.append('account-1', [a, b, a], 'no-stream')).rejects.toMatchObject({
      message: expect.stringMatching(/UNIQUE/),
    });

    expect(await store.headPosition()).toBe(0);
    await expect(store.append('account-1', [a, b], 'no-stream')).resolves.toEqual({
      revision: 1,
      position: 2,
    });
  });

  it('hands appends on the same instance to a live subscription without waiting for a poll', async () => {
    const store = new SqliteEventStore({ file, pollIntervalMs: 60_000 });
    stores.push(store);
    const received: EventEnvelope[] = [];
    const subscription = store.subscribeToAll({ after: 0 }, async (batch) => {
      received.push(...batch);
      // Slow enough that some appends land while a batch is being handled.
      await new Promise((resolve) => setTimeout(resolve, 10));
    });

    for (let n = 0; n < 10; n++) {
      await store.append('account-1', [newEvent(n)], n === 0 ? 'no-stream' : n - 1);
      await new Promise((resolve) => setTimeout(resolve, n % 2 === 0 ? 1 : 25));
    }
    await waitUntil(() => received.length === 10, 'every append arrived', 1000);

    expect(received).toStrictEqual(await store.readAll());
    await subscription.stop();
  });

  it("wakes a live subscription on another instance when the writer's appends land", async () => {
    const writer = openStore();
    const reader = openStore();
    const received: EventEnvelope[] = [];
    const subscription = reader.subscribeToAll({ after: 0 }, async (batch) => {
      received.push(...batch);
    });

    const appendedAt = Date.now();
    await writer.append('account-1', [newEvent(0), newEvent(1)], 'no-stream');
    await writer.append('account-2', [newEvent(2)], 'no-stream');
    await waitUntil(() => received.length === 3, 'the reader saw the appends', 1000);

    expect(Date.now() - appendedAt).toBeLessThan(1000);
    expect(received).toStrictEqual(await writer.readAll());
    await subscription.stop();
  });

  it('lets only one of two instances win an expected-revision race', async () => {
    const first = openStore();
    const second = openStore();

    for (const expected of ['no-stream', 0] as const) {
      const outcomes = await Promise.allSettled([
        first.append('account-1', [newEvent(1)], expected),
        second.append('account-1', [newEvent(2)], expected),
      ]);
      const rejected = outcomes.filter((outcome) => outcome.status === 'rejected');
      expect(rejected).toHaveLength(1);
      expect(rejected[0].reason).toBeInstanceOf(WrongExpectedRevisionError);
    }

    const viaFirst = await first.readStream('account-1');
    expect(viaFirst.map((event) => event.revision)).toEqual([0, 1]);
    expect(await second.readStream('account-1')).toStrictEqual(viaFirst);
  });

  it('delivers, in order, events that another OS process appends', async () => {
    const store = openStore();
    const received: EventEnvelope[] = [];
    const subscription = store.subscribeToAll({ after: 0, batchSize: 7 }, async (batch) => {
      received.push(...batch);
    });
    const fromChild = (events: EventEnvelope[]) =>
      events.filter((event) => event.streamId === 'child');

    const child = appendFromChildProcess(file, 'child', 20);
    // Append here too while the child writes, so both processes contend for the write lock.
    await waitUntil(() => received.length > 0, 'the child started appending', 20000);
    for (let n = 0; n < 20; n++) {
      await store.append('parent', [newEvent(n)], n === 0 ? 'no-stream' : n - 1);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    await child;
    await waitUntil(() => received.length === 40, 'every event arrived');
    await subscription.stop();

    expect(fromChild(received).map((event) => event.data)).toEqual(
      Array.from({ length: 20 }, (_, n) => ({ n })),
    );
    expect(fromChild(received).map((event) => event.revision)).toEqual(
      Array.from({ length: 20 }, (_, n) => n),
    );
    expect(received).toStrictEqual(await store.readAll());
  }, 30000);
});
