/** What bench/pipeline.bench.ts measures and its bounds: BENCH_* variables, else these defaults. */
import { setting } from '../support/bench-settings';

export const settings = {
  accounts: setting('BENCH_ACCOUNTS', 200),
  deposits: setting('BENCH_DEPOSITS', 20_000),
  /** Deposits per account in one preload append. */
  preloadChunk: setting('BENCH_PRELOAD_CHUNK', 20),
  rate: setting('BENCH_RATE', 50),
  seconds: setting('BENCH_SECONDS', 20),
  pollMs: setting('BENCH_POLL_MS', 5),
  partitions: setting('BENCH_PARTITIONS', 3),
  visibility: (process.env.BENCH_VISIBILITY ?? 'poll,consistentWith').split(','),
};
/** Events per read page, per Kafka send and per bulk write of the raw baselines. */
export const BATCH = 500;
/** Bounds, each phase on its own and the run as a whole. */
export const START_TIMEOUT_MS = 90_000;
export const RELAY_TIMEOUT_MS = 180_000;
export const PROJECTOR_TIMEOUT_MS = 300_000;
export const RAW_TIMEOUT_MS = 120_000;
/** The guarded upserts slow down as the collection grows on mongo-wire (see the report). */
export const GUARDED_TIMEOUT_MS = 400_000;
export const REQUEST_TIMEOUT_MS = 10_000;
export const VISIBLE_TIMEOUT_MS = 30_000;
export const WATCHDOG_MS = 20 * 60_000 + settings.seconds * 2000;
/** How often checkpoints are sampled while a role catches up. */
export const SAMPLE_MS = 10;
/** Where the api asks for bearer tokens, it gets this secret (see tellerToken). */
export const TOKEN_SECRET = 'ledgerline-pipeline-bench-secret-0123456789';
export const PROJECTION_CONSUMERS = ['account-summary', 'account-transactions', 'transfer-status'];
export const CONSUMERS = [...PROJECTION_CONSUMERS, 'transfer-process-manager'];
