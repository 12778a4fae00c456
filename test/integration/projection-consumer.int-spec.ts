import { join } from 'node:path';
import { accountSummaryProjection } from '../../projections/account-summary.projection';
import { accountTransactionsProjection } from '../../projections/account-transactions.projection';
import type { AccountSummary } from '../../projections/account-summary.projection';
import { redriveDeadLetters } from '../../src/dead-letters/dead-letter-redrive';
import { ReadStoreDeadLetters } from '../../src/dead-letters/read-store-dead-letters';
import { SqliteEventStore } from '../../src/event-store/embedded/sqlite-event-store';
import type { EventEnvelope, NewEvent } from '../../src/event-store/event-envelope';
import { ProjectionConsumer } from '../../src/projecting/projection-consumer';
import type { Projection } from '../../src/projecting/projection';
import { SqliteReadCollection } from '../../src/read-store/embedded/sqlite-read-collection';
import { SqliteReadStore } from '../../src/read-store/embedded/sqlite-read-store';
import { removeDataDir, tempDataDir } from '../../harness/data-dir';

const metadata = {
  actor: { subject: 'test', roles: [] },
  correlationId: 'c',
  causationId: 'c',
  commandId: 'c',
};
let counter = 0;
const event = (type: string, data: unknown): NewEvent => ({
  eventId: `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`,
  type,
  schemaVersion: 1,
  data,
  metadata,
});
const opened = (accountId: string) =>
  event('AccountOpened', { accountId, ownerId: 'o', currency: 'EUR', overdraftLimit: 0 });
const deposited = (amount: number, balanceAfter: number) =>
  event('MoneyDeposited', { amount, balanceAfter });

describe('projection consumer', () => {
  const dataDir = tempDataDir();
  const eventStore = new SqliteEventStore({ file: join(dataDir, 'events.sqlite') });
  const readStore = new SqliteReadStore({ file: join(dataDir, 'read.sqlite') });
  const deadLetters = new ReadStoreDeadLetters(readStore);
  const summaries = readStore.collection<AccountSummary>(accountSummaryProjection.collection);

  afterAll(async () => {
    await eventStore.close();
    await readStore.close();
    removeDataDir(dataDir);
  });

  async function history(accountId: string, ...events: NewEvent[]): Promise<EventEnvelope[]> {
    await eventStore.append(`account-${accountId}`, events, 'no-stream');
    return eventStore.readStream(`account-${accountId}`);
  }

  it('applies a redelivered batch only once', async () => {
    const consumer = new ProjectionConsumer(
      accountSummaryProjection,
      readStore,
      eventStore,
      deadLetters,
    );
    const events = await history('redelivered', opened('redelivered'), deposited(5, 5));
    await consumer.handle(events);
    await consumer.handle(events);
    await consumer.handle([events[1]]);
    expect(await summaries.findOne({ _id: 'redelivered' })).toMatchObject({
      balance: 5,
      revision: 1,
    });
  });

  it('inserts a document per event without reading first, and still applies a redelivered one once', async () => {
    const consumer = new ProjectionConsumer(
      accountTransactionsProjection,
      readStore,
      eventStore,
      deadLetters,
    );
    const events = await history('per-event', opened('per-event'), deposited(5, 5));
    const reads = jest.spyOn(SqliteReadCollection.prototype, 'find');
    try {
      await consumer.handle(events);
      expect(reads).not.toHaveBeenCalled();
      // The redelivered deposit collides with its own document: the consumer reads, and skips it.
      await consumer.handle([events[1], ...events]);
      expect(reads).toHaveBeenCalledTimes(1);
    } finally {
      reads.mockRestore();
    }
    const transactions = readStore.collection(accountTransactionsProjection.collection);
    expect(await transactions.find({ accountId: 'per-event' })).toEqual([
      expect.objectContaining({ _id: 'per-event:1', amount: 5, balanceAfter: 5, revision: 1 }),
    ]);
  });

  it('fills a revision gap from the event store instead of applying past it', async () => {
    const consumer = new ProjectionConsumer(
      accountSummaryProjection,
      readStore,
      eventStore,
      deadLetters,
    );
    const events = await history(
      'gappy',
      opened('gappy'),
      deposited(10, 10),
      deposited(20, 30),
      deposited(5, 35),
    );
    await consumer.handle([events[0]]);
    // Revisions 1 and 2 never arrive: the consumer must notice and read them itself.
    await consumer.handle([events[3]]);
    expect(await summaries.findOne({ _id: 'gappy' })).toMatchObject({
      balance: 35,
      revision: 3,
    });
  });

  it('dead-letters an event its fold rejects, keeps other streams flowing, and re-drives', async () => {
    let broken = true;
    const fragile: Projection<AccountSummary> = {
      ...accountSummaryProjection,
      evolve: (document, envelope) => {
        if (broken && (envelope.data as { amount?: number }).amount === 13) {
          throw new Error('unlucky amount');
        }
        return accountSummaryProjection.evolve(document, envelope);
      },
    };
    const consumer = new ProjectionConsumer(fragile, readStore, eventStore, deadLetters);
    const poisoned = await history(
      'poisoned',
      opened('poisoned'),
      deposited(13, 13),
      deposited(1, 14),
    );
    const healthy = await history('healthy', opened('healthy'), deposited(2, 2));
    await consumer.handle([poisoned[0], healthy[0], poisoned[1], healthy[1], poisoned[2]]);

    expect(await summaries.findOne({ _id: 'healthy' })).toMatchObject({ balance: 2 });
    // The poisoned stream stops before the bad event; its later event waits too.
    expect(await summaries.findOne({ _id: 'poisoned' })).toMatchObject({ balance: 0, revision: 0 });
    const letters = await deadLetters.list(fragile.name);
    expect(letters.map((letter) => [letter.event.revision, letter.reason])).toEqual([
      [1, 'unlucky amount'],
      [2, 'an earlier event of its stream is dead'],
    ]);

    // Still broken: a re-drive keeps both letters rather than dropping them.
    expect(await redriveDeadLetters(consumer, deadLetters)).toEqual({ redriven: 0, stillDead: 2 });
    expect((await deadLetters.list(fragile.name)).map((letter) => letter.event.revision)).toEqual([
      1, 2,
    ]);

    // A re-drive that fails half way (the read store gone, say) loses no letter either.
    const unreachable = { name: fragile.name, handle: () => Promise.reject(new Error('gone')) };
    await expect(redriveDeadLetters(unreachable, deadLetters)).rejects.toThrow('gone');
    expect(await deadLetters.list(fragile.name)).toHaveLength(2);

    broken = false;
    expect(await redriveDeadLetters(consumer, deadLetters)).toEqual({ redriven: 2, stillDead: 0 });
    expect(await summaries.findOne({ _id: 'poisoned' })).toMatchObject({
      balance: 14,
      revision: 2,
    });
    expect(await deadLetters.list(fragile.name)).toEqual([]);
  });
});
