/**
 * Bulk upserts through MongoReadStore, the way a projection catches up: 20,000 upserts by _id in
 * bulk writes of 500, against the server at MONGODB_URL.
 * Run: node -r ts-node/register/transpile-only bench/mongo-bulk.bench.ts (after infra.sh up).
 */
import { randomUUID } from 'node:crypto';
import { MongoReadStore } from '../src/read-store/mongodb/mongo-read-store';
import type { BulkWriteOperation, ReadDocument } from '../src/read-store/read-store.port';

const UPSERTS = 20_000;
const BATCH = 500;
const ACCOUNTS = 5_000;

async function main(): Promise<void> {
  const url = process.env.MONGODB_URL;
  if (!url) throw new Error('MONGODB_URL is not set: run `bash infra/infra.sh up`');
  const store = new MongoReadStore({ url });
  const collection = store.collection(`bench_bulk_${randomUUID().slice(0, 8)}`);

  // Every account is written four times: inserts first, then updates of existing documents.
  const operations: BulkWriteOperation<ReadDocument>[] = Array.from(
    { length: UPSERTS },
    (_, n) => ({
      replaceOne: {
        filter: { _id: `account-${n % ACCOUNTS}` },
        replacement: {
          _id: `account-${n % ACCOUNTS}`,
          ownerId: `owner-${n % 97}`,
          currency: 'EUR',
          lastEventId: randomUUID(),
          balance: 10 * (Math.floor(n / ACCOUNTS) + 1),
          revision: Math.floor(n / ACCOUNTS) + 1,
        },
        upsert: true,
      },
    }),
  );

  const startedAt = performance.now();
  for (let start = 0; start < UPSERTS; start += BATCH) {
    await collection.bulkWrite(operations.slice(start, start + BATCH));
  }
  const elapsedMs = performance.now() - startedAt;

  const documents = await collection.countDocuments();
  await collection.drop();
  await store.close();
  console.log(
    `MongoReadStore bulk upserts: ${UPSERTS} in batches of ${BATCH} into ${documents} documents: ` +
      `${Math.round((UPSERTS / elapsedMs) * 1000).toLocaleString('en-US')} docs/s ` +
      `(${Math.round(elapsedMs)} ms)`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
