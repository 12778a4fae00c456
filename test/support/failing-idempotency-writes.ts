import Database from 'better-sqlite3';
import { join } from 'node:path';

/**
 * Runs `work` while the embedded read store in `dataDir` refuses every `write` (INSERT or UPDATE)
 * of its idempotency records, through a trigger in the SQLite file itself: the app sees the
 * failure a full or broken disk would give. The table exists once one Idempotency-Key command ran.
 */
export async function withIdempotencyWritesFailing<T>(
  dataDir: string,
  write: 'INSERT' | 'UPDATE',
  work: () => Promise<T>,
): Promise<T> {
  const raw = new Database(join(dataDir, 'read-models.sqlite'));
  try {
    const table = raw
      .prepare<[], string>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%idempotency%'",
      )
      .pluck()
      .get();
    if (table === undefined) throw new Error('No idempotency table yet');
    raw.exec(
      `CREATE TRIGGER refuse_idempotency_writes BEFORE ${write} ON "${table}" BEGIN SELECT RAISE(FAIL, 'simulated write failure'); END`,
    );
    try {
      return await work();
    } finally {
      raw.exec('DROP TRIGGER refuse_idempotency_writes');
    }
  } finally {
    raw.close();
  }
}
