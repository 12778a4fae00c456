import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/event-store/embedded/sqlite-event-store';
import type { EventEnvelope } from '../../src/event-store/event-envelope';
import { UpcastingEventStore } from '../../src/event-store/upcasting-event-store';
import { describeEventStoreContract } from '../contract/event-store.contract';
import { newEvent } from './analytics-support';

// The decorator keeps every promise of the port: the whole contract suite, run through it.
describeEventStoreContract('UpcastingEventStore over SqliteEventStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ledgerline-upcasting-'));
  const file = join(dir, 'events.sqlite');
  const store = new UpcastingEventStore(new SqliteEventStore({ file, pollIntervalMs: 20 }));
  return {
    store,
    reopen: async () => new UpcastingEventStore(new SqliteEventStore({ file, pollIntervalMs: 20 })),
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('UpcastingEventStore', () => {
  let dir: string;
  let inner: SqliteEventStore;
  let store: UpcastingEventStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ledgerline-upcasting-'));
    inner = new SqliteEventStore({ file: join(dir, 'events.sqlite'), pollIntervalMs: 20 });
    store = new UpcastingEventStore(inner);
    await store.append(
      'account-a',
      [
        newEvent('AccountOpened', { accountId: 'a', ownerId: 'o', currency: 'EUR' }),
        newEvent('MoneyDeposited', { amount: 5, balanceAfter: 5 }),
        newEvent('MoneyDeposited', { amount: 1, balanceAfter: 6, channel: 'api' }, 2),
      ],
      'no-stream',
    );
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const shapes = (events: EventEnvelope[]) =>
    events.map((event) => [event.type, event.schemaVersion, event.data]);
  const lifted = [
    ['AccountOpened', 1, { accountId: 'a', ownerId: 'o', currency: 'EUR' }],
    ['MoneyDeposited', 2, { amount: 5, balanceAfter: 5, channel: 'api' }],
    ['MoneyDeposited', 2, { amount: 1, balanceAfter: 6, channel: 'api' }],
  ];

  it('lifts old shapes on readStream, readAll and subscribeToAll, and stores them unchanged', async () => {
    expect(shapes(await store.readStream('account-a'))).toEqual(lifted);
    expect(shapes(await store.readStream('account-a', { direction: 'backwards' }))).toEqual(
      [...lifted].reverse(),
    );
    expect(shapes(await store.readAll())).toEqual(lifted);
    const received: EventEnvelope[] = [];
    const subscription = store.subscribeToAll({ after: 0, batchSize: 2 }, async (batch) => {
      received.push(...batch);
    });
    for (let i = 0; i < 100 && received.length < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await subscription.stop();
    expect(shapes(received)).toEqual(lifted);

    expect((await inner.readAll())[1]).toMatchObject({
      schemaVersion: 1,
      data: { amount: 5, balanceAfter: 5 },
    });
    expect(store.stored).toBe(inner);
  });

  it('hands back the very same events when none needed lifting', async () => {
    const current = (await inner.readAll()).slice(2);
    const decorated = new UpcastingEventStore({
      ...inner,
      readAll: async () => current,
    } as unknown as SqliteEventStore);
    expect(await decorated.readAll()).toBe(current);
  });
});
