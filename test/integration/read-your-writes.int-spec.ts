import { join } from 'node:path';
import { ConsistencyTimeoutError } from '../../src/queries/query.errors';
import { ReadYourWrites } from '../../src/queries/read-your-writes';
import { SqliteReadStore } from '../../src/read-store/embedded/sqlite-read-store';
import { CheckpointStore } from '../../src/subscriptions/checkpoint-store';
import { removeDataDir, tempDataDir } from '../support/ledger-app';

const POLL_MS = 5;

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
  let readYourWrites: ReadYourWrites;

  beforeEach(() => {
    dataDir = tempDataDir();
    const file = join(dataDir, 'read-models.sqlite');
    ours = new SqliteReadStore({ file });
    theirs = new SqliteReadStore({ file });
    waiting = new CheckpointStore(ours);
    projector = new CheckpointStore(theirs);
    readYourWrites = new ReadYourWrites(waiting, { consistencyPollMs: POLL_MS });
  });

  afterEach(async () => {
    await ours.close();
    await theirs.close();
    removeDataDir(dataDir);
  });

  it('lets many waiting queries share one reader of the checkpoints', async () => {
    readYourWrites.configure({ consumers: ['summary', 'transactions'] });
    const reads = jest.spyOn(waiting, 'getMany');
    const waits = Array.from({ length: 40 }, (_, n) => readYourWrites.waitFor(n + 1, 10_000));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await projector.save('summary', 40);
    await projector.save('transactions', 40);
    await Promise.all(waits);
    // One query polling on its own would read about 40 times in those 200 ms: 40 would read ~1,600.
    expect(reads.mock.calls.length).toBeLessThan(100);
  });

  it('answers as soon as the read models are there, and waits while they are not', async () => {
    readYourWrites.configure({ consumers: ['summary'] });
    await projector.save('summary', 7);
    await expect(readYourWrites.waitFor(7, 1000)).resolves.toBeUndefined();
    await expect(readYourWrites.waitFor(8, 50)).rejects.toBeInstanceOf(ConsistencyTimeoutError);
  });

  it('judges a partitioned feed by the offsets that cover what the relay published', async () => {
    readYourWrites.configure({ consumers: ['summary'], relay: 'relay' });
    let reached = false;
    const wait = readYourWrites.waitFor(5, 10_000).then(() => (reached = true));
    await projector.save('summary', 5, { partition: 0, offset: 3 });
    await projector.savePublished('relay', 5, { 0: 4, 1: 2 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reached).toBe(false);
    await projector.save('summary', 4, { partition: 1, offset: 1 });
    await wait;
    expect(reached).toBe(true);
  });

  it('fails the waiting queries when the checkpoints cannot be read', async () => {
    readYourWrites.configure({ consumers: ['summary'] });
    jest.spyOn(waiting, 'getMany').mockRejectedValue(new Error('store unavailable'));
    const waits = [readYourWrites.waitFor(1, 10_000), readYourWrites.waitFor(2, 10_000)];
    for (const wait of waits) await expect(wait).rejects.toThrow('store unavailable');
  });
});
