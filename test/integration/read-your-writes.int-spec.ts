import { join } from 'node:path';
import { PROJECTIONS } from '../../projections';
import type { AppConfig } from '../../src/config/app-config';
import { ConsistencyTimeoutError } from '../../src/queries/query.errors';
import { ReadYourWrites } from '../../src/queries/read-your-writes';
import { SqliteReadStore } from '../../src/read-store/embedded/sqlite-read-store';
import { RELAY_NAME } from '../../src/relay/relay-name';
import { CheckpointStore } from '../../src/subscriptions/checkpoint-store';
import { removeDataDir, tempDataDir } from '../../harness/data-dir';

const POLL_MS = 5;
const CONSUMERS = PROJECTIONS.map((projection) => projection.name);
const IN_PROCESS: AppConfig['transport'] = { kind: 'in-process' };
/** A Kafka transport that is never connected to: only its kind and partitions matter here. */
const partitioned = (partitions: number) =>
  ({
    kind: 'kafka',
    brokers: ['127.0.0.1:9'],
    topic: 'unused',
    partitions,
  }) as AppConfig['transport'];

/**
 * `consistentWith` waits on checkpoints written by other processes: here a second store on the
 * same read-store file, whose saves the waiting side cannot hear and so must read.
 */
describe('read-your-writes across processes', () => {
  let dataDir: string;
  let ours: SqliteReadStore;
  let theirs: SqliteReadStore;
  let waiting: CheckpointStore;
  let projector: CheckpointStore;
  const readYourWrites = (transport: AppConfig['transport'] = IN_PROCESS, pollMs = POLL_MS) =>
    new ReadYourWrites(waiting, { transport, consistencyPollMs: pollMs });
  /** Every read model at `position`, or with `progress` on a partitioned feed. */
  const allAt = (position: number, progress?: { partition: number; offset: number }) =>
    Promise.all(CONSUMERS.map((name) => projector.save(name, position, progress)));

  beforeEach(() => {
    dataDir = tempDataDir();
    const file = join(dataDir, 'read-models.sqlite');
    ours = new SqliteReadStore({ file });
    theirs = new SqliteReadStore({ file });
    waiting = new CheckpointStore(ours);
    projector = new CheckpointStore(theirs);
  });

  afterEach(async () => {
    await ours.close();
    await theirs.close();
    removeDataDir(dataDir);
  });

  it('lets many waiting queries share one reader of the checkpoints', async () => {
    const queries = readYourWrites();
    const reads = jest.spyOn(waiting, 'getMany');
    const waits = Array.from({ length: 40 }, (_, n) => queries.waitFor(n + 1, 10_000));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await allAt(40);
    await Promise.all(waits);
    // One query polling on its own would read about 40 times in those 200 ms: 40 would read ~1,600.
    expect(reads.mock.calls.length).toBeLessThan(100);
  });

  it('reads at the poll interval while queries keep arriving, not again for each arrival', async () => {
    const pollMs = 20;
    const queries = readYourWrites(IN_PROCESS, pollMs);
    const reads = jest.spyOn(waiting, 'getMany');
    const waits: Promise<void>[] = [];
    const started = performance.now();
    // A query every millisecond or so: a reader woken by each would read back to back, once per
    // arrival. The bound follows the time the arrivals really took, which a loaded machine stretches.
    for (let n = 1; n <= 100; n++) {
      waits.push(queries.waitFor(n, 10_000));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await allAt(100);
    await Promise.all(waits);
    const elapsed = performance.now() - started;
    expect(reads.mock.calls.length).toBeLessThanOrEqual(Math.ceil(elapsed / pollMs) + 5);
  });

  it('answers as soon as the read models are there, and waits while they are not', async () => {
    const queries = readYourWrites();
    await allAt(7);
    await expect(queries.waitFor(7, 1000)).resolves.toBeUndefined();
    await expect(queries.waitFor(8, 50)).rejects.toBeInstanceOf(ConsistencyTimeoutError);
  });

  it('waits only for the read models a query names', async () => {
    const queries = readYourWrites();
    const [named, ...others] = CONSUMERS;
    await projector.save(named, 9);
    await Promise.all(others.map((name) => projector.save(name, 3)));
    await expect(queries.waitFor(9, 1000, [named])).resolves.toBeUndefined();
    await expect(queries.waitFor(9, 50)).rejects.toBeInstanceOf(ConsistencyTimeoutError);
    await expect(queries.waitFor(9, 50, others)).rejects.toBeInstanceOf(ConsistencyTimeoutError);
  });

  it('judges a partitioned feed by the offsets that cover what the relay published', async () => {
    const queries = readYourWrites(partitioned(2));
    let reached = false;
    const wait = queries.waitFor(5, 10_000).then(() => (reached = true));
    await allAt(5, { partition: 0, offset: 3 });
    await projector.savePublished(RELAY_NAME, 5, { 0: 4, 1: 2 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reached).toBe(false);
    await allAt(4, { partition: 1, offset: 1 });
    await wait;
    expect(reached).toBe(true);
  });

  it('on a partitioned feed, too, waits only for the read models a query names', async () => {
    const queries = readYourWrites(partitioned(1));
    const [named, ...others] = CONSUMERS;
    await projector.savePublished(RELAY_NAME, 5, { 0: 4 });
    await projector.save(named, 5, { partition: 0, offset: 3 });
    await Promise.all(others.map((name) => projector.save(name, 2, { partition: 0, offset: 1 })));
    await expect(queries.waitFor(5, 1000, [named])).resolves.toBeUndefined();
    await expect(queries.waitFor(5, 50)).rejects.toBeInstanceOf(ConsistencyTimeoutError);
  });

  it('fails the waiting queries when the checkpoints cannot be read', async () => {
    const queries = readYourWrites();
    jest.spyOn(waiting, 'getMany').mockRejectedValue(new Error('store unavailable'));
    const waits = [queries.waitFor(1, 10_000), queries.waitFor(2, 10_000)];
    for (const wait of waits) await expect(wait).rejects.toThrow('store unavailable');
  });
});
