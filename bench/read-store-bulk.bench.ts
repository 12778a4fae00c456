/**
 * Bulk upsert rate of the embedded read store, as a projection catching up would write: one
 * revision-guarded upsert per document, sent in bulkWrite batches, into a collection with one
 * secondary index. Run: node -r ts-node/register/transpile-only bench/read-store-bulk.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteReadStore } from '../src/read-store/embedded/sqlite-read-store';
import type { BulkWriteOperation, ReadDocument } from '../src/read-store/read-store.port';

const DOCUMENTS = 20_000;
const BATCH = 500;

function batch(start: number, revision: number): BulkWriteOperation<ReadDocument>[] {
  return Array.from({ length: BATCH }, (_, offset) => {
    const n = start + offset;
    // A revision-guarded replacement, as the projector writes a read model.
    return {
      replaceOne: {
        filter: { _id: `account-${n}`, rev: { $lt: revision } },
        replacement: {
          _id: `account-${n}`,
          rev: revision,
          ownerId: `owner-${n % 1000}`,
          currency: 'EUR',
          balance: 10 * revision,
          openedAt: '2024-01-01T00:00:00.000Z',
        },
        upsert: true,
      },
    };
  });
}

async function pass(store: SqliteReadStore, revision: number): Promise<number> {
  const accounts = store.collection('accounts');
  const startedAt = process.hrtime.bigint();
  for (let start = 0; start < DOCUMENTS; start += BATCH) {
    await accounts.bulkWrite(batch(start, revision));
  }
  const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  return DOCUMENTS / seconds;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ledgerline-bench-'));
  const store = new SqliteReadStore({ file: join(dir, 'read-models.db') });
  try {
    await store.collection('accounts').createIndex({ keys: { ownerId: 1 } });
    const inserting = await pass(store, 1);
    const updating = await pass(store, 2);
    if ((await store.collection('accounts').countDocuments({ rev: 2 })) !== DOCUMENTS) {
      throw new Error('The benchmark did not write what it meant to');
    }
    console.log(`${DOCUMENTS} upserts in bulkWrite batches of ${BATCH}:`);
    console.log(`  inserting new documents: ${Math.round(inserting)} docs/s`);
    console.log(`  updating them:           ${Math.round(updating)} docs/s`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
