import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { CommandExecutor } from '../../src/commands/command-executor';
import type { AccountCommand } from '../../src/domain/accounts/account.commands';
import { accountDecider } from '../../src/domain/accounts/account.decider';
import type { EventStoreDbClient } from '../../src/event-store/eventstoredb/eventstoredb-connection';
import { EventStoreDbEventStore } from '../../src/event-store/eventstoredb/eventstoredb-event-store';
import { RESEND_LOOK_BACK } from '../../src/event-store/eventstoredb/eventstoredb-stream-tails';
import { AggregateLoader } from '../../src/history/aggregate-loader';
import { LedgerMetrics } from '../../src/observability/ledger-metrics';
import { SqliteReadStore } from '../../src/read-store/embedded/sqlite-read-store';
import { AggregateStateCache } from '../../src/snapshots/aggregate-state-cache';
import { ReadStoreSnapshotStore } from '../../src/snapshots/read-store-snapshot-store';
import { SnapshotWriter } from '../../src/snapshots/snapshot-writer';
import { type ClientStreamRead, CountingEventStoreDbClient } from './counting-eventstoredb-client';
import { openAccount, tellerContext } from './teller-commands';
import { removeDataDir, tempDataDir } from '../../harness/data-dir';

/** A snapshot every this many events; the stream grows to many times that. */
const EVERY = 10;
const DEPOSITS = 300;

export interface EventStoreDbConnectionUnderTest {
  connectionString: string;
  /** A new connection to the same server each call, as another process would have. */
  connect(): EventStoreDbClient;
}

/**
 * The command path (executor, loader, snapshots in the embedded read store) over the EventStoreDB
 * adapter, with the events each command reads counted at the client boundary: loading state reads
 * no more than the events since the latest snapshot (and that snapshot's own event, to check the
 * stream still holds it), or none on a cached state; the append's re-send check reads one page
 * of at most RESEND_LOOK_BACK events. Neither grows with the stream.
 */
export function describeCommandReadsOnEventStoreDb(
  name: string,
  server: () => EventStoreDbConnectionUnderTest,
): void {
  describe(name, () => {
    const dataDir = tempDataDir();
    const readStore = new SqliteReadStore({ file: join(dataDir, 'read-models.sqlite') });
    const snapshots = new ReadStoreSnapshotStore(readStore);
    const opened: EventStoreDbEventStore[] = [];

    afterAll(async () => {
      await Promise.all(opened.map((store) => store.close()));
      await readStore.close();
      removeDataDir(dataDir);
    });

    /** One process's command path: its own connection, adapter and (optional) cache. */
    function commandPath(cache: boolean) {
      const { connectionString, connect } = server();
      const counted = new CountingEventStoreDbClient(connect());
      const store = new EventStoreDbEventStore({ connectionString, client: counted.client });
      opened.push(store);
      const metrics = new LedgerMetrics();
      const writer = new SnapshotWriter(snapshots, metrics);
      const cacheMaxEntries = cache ? 1000 : 0;
      const states = new AggregateStateCache({ maxEntries: cacheMaxEntries, maxBytes: 1 << 20 });
      const loader = new AggregateLoader(
        store,
        snapshots,
        { every: EVERY, cacheMaxEntries },
        states,
        writer,
        <E>(event: E) => event,
        metrics,
      );
      const executor = new CommandExecutor(store, loader, metrics);
      const run = (accountId: string, command: AccountCommand) => {
        return executor.execute(accountDecider, accountId, command, tellerContext(randomUUID()));
      };
      return { counted, writer, run };
    }

    const deposit: AccountCommand = { type: 'DepositMoney', amount: 1, reference: undefined };

    const eventsOf = (reads: ClientStreamRead[], direction: ClientStreamRead['direction']) =>
      reads.filter((read) => read.direction === direction).map((read) => read.events);

    it(`reads no more than the events since the latest snapshot, on a stream ${DEPOSITS / EVERY} snapshots long`, async () => {
      const { counted, writer, run } = commandPath(false);
      const accountId = `reads-${randomUUID()}`;
      const streamId = accountDecider.streamId(accountId);
      let head = (await run(accountId, openAccount(accountId))).revision;
      let most = 0;
      let fromSnapshots = 0;
      for (let i = 0; i < DEPOSITS; i++) {
        // Written in the background after each answer: waited for here so the bound is exact.
        await writer.flush();
        const snapshot = await snapshots.load(streamId);
        counted.take(streamId);

        head = (await run(accountId, deposit)).revision;

        const reads = counted.take(streamId);
        const loading = eventsOf(reads, 'forwards');
        const since = head - 1 - (snapshot?.revision ?? -1);
        expect(loading).toHaveLength(1);
        expect(loading[0]).toBeLessThanOrEqual(since + (snapshot ? 1 : 0));
        const resendCheck = eventsOf(reads, 'backwards');
        expect(resendCheck.length).toBeLessThanOrEqual(1);
        expect(resendCheck[0] ?? 0).toBeLessThanOrEqual(RESEND_LOOK_BACK + 1);
        most = Math.max(most, loading[0] + (resendCheck[0] ?? 0));
        if (snapshot) fromSnapshots++;
      }
      expect(head).toBe(DEPOSITS);
      expect(fromSnapshots).toBeGreaterThan(DEPOSITS - 2 * EVERY);
      // Whatever the stream's length: at most a snapshot's worth of events, and one page.
      expect(most).toBeLessThanOrEqual(EVERY + 1 + RESEND_LOOK_BACK + 1);
    });

    it("reads no stream forwards on a cached state, and only another process's events once they conflict", async () => {
      const { counted, run } = commandPath(true);
      const other = commandPath(false);
      const accountId = `cached-${randomUUID()}`;
      const streamId = accountDecider.streamId(accountId);
      await run(accountId, openAccount(accountId));
      for (let i = 0; i < 3 * EVERY; i++) await run(accountId, deposit);
      counted.take(streamId);

      await run(accountId, deposit);
      expect(eventsOf(counted.take(streamId), 'forwards')).toEqual([]);

      // Decided on the cached state, the append conflicts: the retry reads what the other wrote.
      await other.run(accountId, deposit);
      await run(accountId, deposit);
      expect(eventsOf(counted.take(streamId), 'forwards')).toEqual([1]);
    });
  });
}
