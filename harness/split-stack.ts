import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { SqliteEventStore } from '../src/event-store/embedded/sqlite-event-store';
import { tempDataDir } from './data-dir';
import { type LedgerProcess, startLedgerProcess } from './ledger-process';

export type SplitRole = 'api' | 'relay' | 'projector';

/**
 * The production topology as separate OS processes over the real Kafka and MongoDB-wire servers
 * that the test run started; the event store is the embedded file they share (EventStoreDB cannot
 * run here). Each stack gets its own topic and database, so stacks never see each other's events.
 */
export function splitStack(name: string) {
  const brokers = process.env.KAFKA_BROKERS;
  const mongo = process.env.MONGODB_URL;
  if (!brokers || !mongo) {
    throw new Error('KAFKA_BROKERS and MONGODB_URL are not set: run `bash infra/infra.sh up`');
  }
  const run = randomUUID().slice(0, 8);
  const dataDir = tempDataDir();
  const env = {
    DATA_DIR: dataDir,
    TRANSPORT: 'kafka',
    KAFKA_BROKERS: brokers,
    KAFKA_TOPIC: `${name}-${run}`,
    READ_STORE: 'mongodb',
    MONGODB_URL: `${mongo.replace(/\/[^/]*$/, '')}/${name}_${run}`,
    CONSISTENCY_TIMEOUT_MS: '20000',
  };
  return {
    dataDir,
    env,
    start: (role: SplitRole): Promise<LedgerProcess> =>
      startLedgerProcess({ ...env, LEDGER_ROLE: role }),
    /** The shared event store file, opened by the test itself to fold the truth. */
    openEventStore: () => new SqliteEventStore({ file: join(dataDir, 'events.sqlite') }),
  };
}
