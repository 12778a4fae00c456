import { join } from 'node:path';
import { setImmediate as idle } from 'node:timers/promises';
import { CommandExecutor } from '../../src/commands/command-executor';
import { RevisionMismatchError } from '../../src/commands/command.errors';
import type { CommandResult } from '../../src/commands/command-context';
import type { AccountCommand } from '../../src/domain/accounts/account.commands';
import { accountDecider } from '../../src/domain/accounts/account.decider';
import { DomainError } from '../../src/domain/domain-error';
import { SqliteEventStore } from '../../src/event-store/embedded/sqlite-event-store';
import type { EventStore } from '../../src/event-store/event-store.port';
import { AggregateLoader } from '../../src/history/aggregate-loader';
import { emptyFold, foldStream } from '../../src/history/fold-stream';
import { LedgerMetrics } from '../../src/observability/ledger-metrics';
import { SqliteReadStore } from '../../src/read-store/embedded/sqlite-read-store';
import { ReadStoreUnavailableError } from '../../src/read-store/read-store.errors';
import { AggregateStateCache } from '../../src/snapshots/aggregate-state-cache';
import { ReadStoreSnapshotStore } from '../../src/snapshots/read-store-snapshot-store';
import { SnapshotWriter } from '../../src/snapshots/snapshot-writer';
import { CountingEventStore } from '../support/counting-event-store';
import { removeDataDir, tempDataDir } from '../../harness/data-dir';
import { WindowedResendsEventStore } from '../support/windowed-resends-event-store';
import { openAccount, tellerContext } from '../support/teller-commands';

/**
 * The command path over the embedded stores, wired by hand: how many events a command reads,
 * what snapshots are written and trusted, and how replays are answered. Each `process` stands
 * for one process lifetime: its cache starts empty, the stores persist.
 */
describe('loading aggregates from snapshots and the state cache', () => {
  const dataDir = tempDataDir();
  const eventStore = new SqliteEventStore({ file: join(dataDir, 'events.sqlite') });
  const readStore = new SqliteReadStore({ file: join(dataDir, 'read-models.sqlite') });
  const snapshots = new ReadStoreSnapshotStore(readStore);

  afterAll(async () => {
    await eventStore.close();
    await readStore.close();
    removeDataDir(dataDir);
  });

  function process(options: {
    every: number;
    cache: boolean;
    foldVersion?: number;
    store?: EventStore;
  }) {
    const metrics = new LedgerMetrics();
    const store = new CountingEventStore(options.store ?? eventStore);
    const writer = new SnapshotWriter(snapshots, metrics);
    const cacheMaxEntries = options.cache ? 1000 : 0;
    const cache = new AggregateStateCache({ maxEntries: cacheMaxEntries, maxBytes: 1 << 20 });
    const policy = { every: options.every, cacheMaxEntries };
    const asStored = <E>(event: E) => event;
    const loader = new AggregateLoader(store, snapshots, policy, cache, writer, asStored, metrics);
    const executor = new CommandExecutor(store, loader, metrics);
    const decider = { ...accountDecider, foldVersion: options.foldVersion ?? 1 };
    const run = (
      accountId: string,
      command: AccountCommand,
      commandId: string,
      ifMatch?: number,
      replayableSince?: string,
    ) =>
      executor.execute(decider, accountId, command, {
        ...tellerContext(commandId, ifMatch),
        ...(replayableSince === undefined ? {} : { replayableSince }),
      });
    return { store, writer, loader, decider, metrics, run };
  }

  const deposit = (amount: number): AccountCommand => ({
    type: 'DepositMoney',
    amount,
    reference: undefined,
  });
  const withdraw = (amount: number): AccountCommand => ({
    type: 'WithdrawMoney',
    amount,
    reference: undefined,
  });

  async function foldOfStore(accountId: string) {
    const events = await eventStore.readStream(accountDecider.streamId(accountId));
    return foldStream(accountDecider, emptyFold(accountDecider), events);
  }

  async function metricValue(metrics: LedgerMetrics, name: string, label?: string) {
    const metric = await metrics.registry.getSingleMetric(name)?.get();
    return (metric?.values ?? [])
      .filter((value) => label === undefined || value.labels.outcome === label)
      .reduce((sum, value) => sum + value.value, 0);
  }

  it('reads no more events per command than have been appended since the latest snapshot', async () => {
    const every = 10;
    const { store, run } = process({ every, cache: false });
    await run('bounded', openAccount('bounded'), 'open-bounded');
    let most = 0;
    for (let i = 0; i < 200; i++) {
      const head = (await foldOfStore('bounded')).revision;
      const snapshot = await snapshots.load(accountDecider.streamId('bounded'));
      store.takeCount();

      await run('bounded', deposit(1), `bounded-${i}`);

      const read = store.takeCount();
      // The snapshot's own event is read again to check the stream still holds it.
      const sinceSnapshot = head - (snapshot?.revision ?? -1) + (snapshot ? 1 : 0);
      expect(read).toBeLessThanOrEqual(sinceSnapshot);
      most = Math.max(most, read);
      // A moment without requests, in which the background snapshot write runs.
      await idle();
    }
    expect(most).toBeLessThanOrEqual(every + 1);
    const snapshot = await snapshots.load(accountDecider.streamId('bounded'));
    expect(snapshot?.revision).toBeGreaterThanOrEqual(200 - every);
    expect((await foldOfStore('bounded')).state).toMatchObject({ balance: 200 });
  });

  it('reads only the events appended since its cached state, none when nothing else wrote', async () => {
    const { store, run } = process({ every: 1000, cache: true });
    await run('cached', openAccount('cached'), 'open-cached');
    for (let i = 0; i < 20; i++) await run('cached', deposit(1), `cached-${i}`);
    store.takeCount();

    await run('cached', deposit(1), 'cached-last');
    expect(store.takeCount()).toBe(0);

    // Another process appends: the cached state is never taken for the head.
    const other = process({ every: 1000, cache: true });
    await other.run('cached', deposit(5), 'cached-elsewhere');
    await run('cached', withdraw(26), 'cached-after');
    expect(store.takeCount()).toBe(1);
    expect((await foldOfStore('cached')).state).toMatchObject({ balance: 0 });
  });

  it('decides on a cached state without a read; an append from elsewhere since is a conflict, decided again on read state', async () => {
    const { store, run } = process({ every: 1000, cache: true });
    await run('trusted', openAccount('trusted'), 'open-trusted');
    await run('trusted', deposit(10), 'trusted-1');
    store.streamReads = 0;

    await run('trusted', deposit(1), 'trusted-2');
    expect(store.streamReads).toBe(0);

    const other = process({ every: 1000, cache: true });
    await other.run('trusted', deposit(5), 'trusted-elsewhere');
    const answer = await run('trusted', deposit(2), 'trusted-3');
    expect(store.streamReads).toBe(1);
    expect(answer.revision).toBe(4);
    expect((await foldOfStore('trusted')).state).toMatchObject({ balance: 18 });
    // Its state was read and kept: the next command needs no read again.
    await run('trusted', deposit(1), 'trusted-4');
    expect(store.streamReads).toBe(1);
  });

  it('confirms on read state what a cached state would refuse or answer without appending', async () => {
    const { store, run } = process({ every: 1000, cache: true });
    await run('confirmed', openAccount('confirmed'), 'open-confirmed');
    const other = process({ every: 1000, cache: true });
    const moved = await other.run('confirmed', deposit(30), 'confirmed-elsewhere');
    store.streamReads = 0;

    // The cache says balance 0 at revision 0: the withdrawal and the If-Match both stand on read state.
    await expect(run('confirmed', withdraw(20), 'confirmed-w')).resolves.toMatchObject({
      revision: 2,
    });
    await other.run('confirmed', deposit(1), 'confirmed-elsewhere-2');
    await expect(run('confirmed', deposit(1), 'confirmed-if', moved.revision)).rejects.toThrow(
      RevisionMismatchError,
    );
    await expect(run('confirmed', withdraw(1000), 'confirmed-big')).rejects.toThrow(DomainError);
    expect(store.streamReads).toBe(3);
    expect((await foldOfStore('confirmed')).state).toMatchObject({ balance: 11 });
  });

  it('ignores a snapshot made by another fold version, and writes one of its own', async () => {
    const old = process({ every: 5, cache: false });
    await old.run('versioned', openAccount('versioned'), 'open-versioned');
    for (let i = 0; i < 12; i++) {
      await old.run('versioned', deposit(10), `versioned-${i}`);
      await idle();
    }
    await old.writer.flush();
    const streamId = accountDecider.streamId('versioned');
    expect((await snapshots.load(streamId))?.foldVersion).toBe(1);

    const upgraded = process({ every: 5, cache: false, foldVersion: 2 });
    const loaded = await upgraded.loader.load(upgraded.decider, 'versioned');

    expect(upgraded.store.takeCount()).toBe(13);
    expect(await metricValue(upgraded.metrics, 'ledger_snapshot_loads_total', 'stale')).toBe(1);
    expect(loaded.state).toEqual((await foldOfStore('versioned')).state);
    await upgraded.writer.flush();
    expect(await snapshots.load(streamId)).toMatchObject({ foldVersion: 2, revision: 12 });

    // The rebuilt snapshot is used from then on: only its own event is read back.
    const next = process({ every: 5, cache: false, foldVersion: 2 });
    await next.loader.load(next.decider, 'versioned');
    expect(next.store.takeCount()).toBe(1);
    expect(await metricValue(next.metrics, 'ledger_snapshot_loads_total', 'used')).toBe(1);
  });

  it('ignores a snapshot whose event the stream does not hold at its revision', async () => {
    const first = process({ every: 1000, cache: false });
    await first.run('restored', openAccount('restored'), 'open-restored');
    await first.run('restored', deposit(7), 'restored-1');
    const streamId = accountDecider.streamId('restored');
    await snapshots.save({
      streamId,
      foldVersion: 1,
      revision: 1,
      position: 1,
      eventId: '00000000-0000-4000-8000-000000000000',
      state: { status: 'open', balance: 1_000_000 },
    });

    const later = process({ every: 1000, cache: false });
    const loaded = await later.loader.load(later.decider, 'restored');

    expect(loaded.state).toEqual((await foldOfStore('restored')).state);
    expect(loaded.state).toMatchObject({ balance: 7 });
  });

  describe('a replayed command whose first attempt is older than the latest snapshot', () => {
    const streamId = accountDecider.streamId('replayed');
    let opened: CommandResult;
    let deposited: CommandResult;
    let drained: CommandResult;
    let headBefore: number;

    beforeAll(async () => {
      const first = process({ every: 10, cache: true });
      opened = await first.run('replayed', openAccount('replayed'), 'open-replayed');
      deposited = await first.run('replayed', deposit(100), 'salary');
      drained = await first.run('replayed', withdraw(100), 'rent');
      for (let i = 0; i < 35; i++) {
        await first.run('replayed', deposit(1), `replayed-${i}`);
        await idle();
      }
      await first.writer.flush();
      headBefore = (await foldOfStore('replayed')).revision;
      expect((await snapshots.load(streamId))!.revision).toBeGreaterThan(drained.revision + 10);
    });

    afterEach(async () => {
      // Nothing written by any replay.
      expect((await foldOfStore('replayed')).revision).toBe(headBefore);
      expect((await foldOfStore('replayed')).state).toMatchObject({ balance: 35 });
    });

    it.each([false, true])(
      'answers a deposit with its original outcome (cache %s)',
      async (cache) => {
        const { run } = process({ every: 10, cache });

        expect(await run('replayed', deposit(100), 'salary')).toEqual(deposited);
      },
    );

    it('answers a withdrawal that today would be refused (its own effect emptied the account)', async () => {
      const { run, store } = process({ every: 10, cache: false });

      expect(await run('replayed', withdraw(100), 'rent')).toEqual(drained);
      expect(store.findEventCalls).toBeGreaterThan(0);
    });

    it('answers the opening, which today would be ACCOUNT_ALREADY_EXISTS', async () => {
      const { run } = process({ every: 10, cache: false });

      expect(await run('replayed', openAccount('replayed'), 'open-replayed')).toEqual(opened);
    });

    it('answers an If-Match command against the revision its client saw, not 412', async () => {
      const { run } = process({ every: 10, cache: true });

      expect(await run('replayed', deposit(100), 'salary', opened.revision)).toEqual(deposited);
    });

    it('still refuses a new command that the state refuses', async () => {
      const { run } = process({ every: 10, cache: false });

      await expect(run('replayed', withdraw(100), 'rent-again')).rejects.toThrow(DomainError);
    });
  });

  it('finds a process-manager step first attempted behind more events than the store recognises', async () => {
    const first = process({ every: 5, cache: true });
    await first.run('stepped', openAccount('stepped'), 'open-stepped');
    await first.run('stepped', deposit(100), 'stepped-salary');
    const causeRecordedAt = new Date().toISOString();
    const debit: AccountCommand = {
      type: 'DebitForTransfer',
      transferId: 't-1',
      toAccountId: 'elsewhere',
      amount: 30,
      currency: 'EUR',
    };
    const debited = await first.run(
      'stepped',
      debit,
      'transfer:t-1:debit',
      undefined,
      causeRecordedAt,
    );
    for (let i = 0; i < 12; i++) await first.run('stepped', deposit(1), `stepped-${i}`);
    await first.writer.flush();

    const windowed = new WindowedResendsEventStore(eventStore, 4);
    const replaying = process({ every: 5, cache: false, store: windowed });
    expect(
      await replaying.run('stepped', debit, 'transfer:t-1:debit', undefined, causeRecordedAt),
    ).toEqual(debited);
    // Without the hint the same replay would rely on the append recognising it.
    await expect(replaying.run('stepped', debit, 'transfer:t-1:debit')).rejects.toThrow(
      /written a second time/,
    );
    expect((await foldOfStore('stepped')).state).toMatchObject({ balance: 82 });
  });

  it('stops asking a snapshot store that failed for a few seconds, folding from the events meanwhile', async () => {
    const seed = process({ every: 1000, cache: false });
    await seed.run('unreachable-snapshots', openAccount('unreachable-snapshots'), 'u-open');
    await seed.run('unreachable-snapshots', deposit(40), 'u-deposit');
    const asked: string[] = [];
    const down = {
      load: async (streamId: string) => {
        asked.push(streamId);
        throw new ReadStoreUnavailableError('MongoDB unavailable: connect ECONNREFUSED');
      },
      save: async () => undefined,
    };
    const metrics = new LedgerMetrics();
    const cache = new AggregateStateCache({ maxEntries: 0, maxBytes: 1 << 20 });
    const policy = { every: 1000, cacheMaxEntries: 0 };
    const writer = new SnapshotWriter(down, metrics);
    const loader = new AggregateLoader(eventStore, down, policy, cache, writer, (e) => e, metrics);
    const now = jest.spyOn(Date, 'now');
    try {
      now.mockReturnValue(1_000_000);
      const first = await loader.load(accountDecider, 'unreachable-snapshots');
      now.mockReturnValue(1_004_999);
      const during = await loader.load(accountDecider, 'unreachable-snapshots');
      expect(asked).toHaveLength(1);
      now.mockReturnValue(1_005_000);
      await loader.load(accountDecider, 'unreachable-snapshots');
      expect(asked).toHaveLength(2);
      expect(first.state).toMatchObject({ balance: 40 });
      expect(during).toEqual(first);
      const loads = await metrics.registry.getSingleMetricAsString('ledger_snapshot_loads_total');
      expect(loads).toContain('outcome="paused"} 1');
      expect(loads).toContain('outcome="failed"} 2');
    } finally {
      now.mockRestore();
    }
  });
});
