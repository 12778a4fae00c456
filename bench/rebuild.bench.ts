/**
 * Rebuild throughput next to the raw rates it is built from, measured in one run on the embedded
 * stores: reading the event store's global log, bulk upserts into the read store, and a full
 * zero-downtime rebuild of each projection over the same history.
 *   npm run bench:rebuild            (EVENTS=100000 by default)
 */
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROJECTIONS } from '../projections';
import { ReadStoreDeadLetters } from '../src/dead-letters/read-store-dead-letters';
import { SqliteEventStore } from '../src/event-store/embedded/sqlite-event-store';
import type { NewEvent } from '../src/event-store/event-envelope';
import { UpcastingEventStore } from '../src/event-store/upcasting-event-store';
import { ProjectionRebuilder } from '../src/projecting/projection-rebuilder';
import { rebuildRecords } from '../src/projecting/projection-rebuilds';
import { SqliteReadStore } from '../src/read-store/embedded/sqlite-read-store';
import { CheckpointStore } from '../src/subscriptions/checkpoint-store';

const EVENTS = Number(process.env.EVENTS ?? 100_000);
const ACCOUNTS = 500;
const metadata = {
  actor: { subject: 'bench', roles: [] },
  correlationId: 'b',
  causationId: 'b',
  commandId: 'b',
};

function event(type: string, data: unknown): NewEvent {
  return { eventId: randomUUID(), type, schemaVersion: 2, data, metadata };
}

async function seed(store: SqliteEventStore): Promise<void> {
  const perAccount = Math.floor(EVENTS / ACCOUNTS) - 1;
  for (let a = 0; a < ACCOUNTS; a++) {
    const events = [
      event('AccountOpened', {
        accountId: `b-${a}`,
        ownerId: `o-${a % 50}`,
        currency: 'EUR',
        overdraftLimit: 0,
      }),
      ...Array.from({ length: perAccount }, (_, d) =>
        event('MoneyDeposited', { amount: 1, balanceAfter: d + 1, channel: 'api' }),
      ),
    ];
    for (let i = 0; i < events.length; i += 500) {
      await store.append(`account-b-${a}`, events.slice(i, i + 500), i === 0 ? 'no-stream' : i - 1);
    }
  }
}

const rate = (count: number, ms: number) => Math.round(count / (ms / 1000));

async function main(): Promise<void> {
  // Outside Nest the default logger would print every applied event at debug level.
  Logger.overrideLogger(['error', 'warn']);
  const dir = mkdtempSync(join(tmpdir(), 'ledgerline-rebuild-bench-'));
  const raw = new SqliteEventStore({ file: join(dir, 'events.sqlite') });
  const store = new UpcastingEventStore(raw);
  const readStore = new SqliteReadStore({ file: join(dir, 'read-models.sqlite') });
  try {
    console.log(`machine: ${cpus().length} cpus, load average ${loadavg()[0].toFixed(2)} at start`);
    await seed(raw);
    const head = await store.headPosition();
    console.log(`history: ${head} events in ${ACCOUNTS} account streams`);

    let started = Date.now();
    for (let after = 0; ;) {
      const page = await store.readAll({ after, maxCount: 1000 });
      if (page.length === 0) break;
      after = page[page.length - 1].position;
    }
    const readRate = rate(head, Date.now() - started);
    console.log(`raw event store read (readAll, pages of 1000): ${readRate} events/s`);

    const scratch = readStore.collection('bench_bulk');
    started = Date.now();
    for (let i = 0; i < head; i += 500) {
      await scratch.bulkWrite(
        Array.from({ length: Math.min(500, head - i) }, (_, k) => ({
          replaceOne: {
            filter: { _id: `d-${(i + k) % 20_000}`, revision: { $lt: i + k } },
            replacement: { _id: `d-${(i + k) % 20_000}`, revision: i + k, balance: i + k },
            upsert: true,
          },
        })),
      );
    }
    const writeRate = rate(head, Date.now() - started);
    console.log(`raw read store bulk upsert (batches of 500): ${writeRate} writes/s`);
    await scratch.drop();

    const rebuilder = new ProjectionRebuilder(
      store,
      readStore,
      new ReadStoreDeadLetters(readStore),
      new CheckpointStore(readStore),
    );
    rebuilder.start();
    for (const projection of PROJECTIONS) {
      started = Date.now();
      await rebuilder.request(projection.name, 'benchmark');
      for (;;) {
        const record = await rebuildRecords(readStore).findOne({ _id: projection.name });
        if (record?.state === 'done') break;
        if (record?.state === 'failed') throw new Error(record.error);
        await sleep(20);
      }
      const ms = Date.now() - started;
      const documents = await readStore.collection(projection.collection).countDocuments();
      console.log(
        `rebuild ${projection.name}: ${rate(head, ms)} events/s (${head} events, ` +
          `${documents} documents, ${(ms / 1000).toFixed(1)} s) = ` +
          `${((100 * rate(head, ms)) / readRate).toFixed(0)}% of the raw read rate`,
      );
    }
    await rebuilder.stop();
  } finally {
    await store.close();
    await readStore.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
