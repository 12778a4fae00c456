import { join } from 'node:path';
import { SqliteReadCollection } from '../../src/read-store/embedded/sqlite-read-collection';
import { SqliteReadStore } from '../../src/read-store/embedded/sqlite-read-store';
import type { ReadDocument } from '../../src/read-store/read-store.port';
import { CheckpointStore } from '../../src/subscriptions/checkpoint-store';
import { removeDataDir, tempDataDir } from '../../harness/data-dir';

describe('CheckpointStore', () => {
  let dataDir: string;
  let readStore: SqliteReadStore;
  let checkpoints: CheckpointStore;

  beforeEach(() => {
    dataDir = tempDataDir();
    readStore = new SqliteReadStore({ file: join(dataDir, 'read-models.sqlite') });
    checkpoints = new CheckpointStore(readStore);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await readStore.close();
    removeDataDir(dataDir);
  });

  it('only moves forward', async () => {
    await checkpoints.save('c', 10, { partition: 0, offset: 4 });
    await checkpoints.save('c', 7, { partition: 0, offset: 2 });
    expect(await checkpoints.getFull('c')).toMatchObject({ position: 10, offsets: { 0: 4 } });
  });

  it('writes the saves of every consumer made together as one write, each partition kept', async () => {
    // Collections are made per call: the spy sits on what they all share.
    const writes = jest.spyOn(SqliteReadCollection.prototype, 'bulkWrite');
    const saves = [
      checkpoints.save('c', 3, { partition: 0, offset: 1 }),
      checkpoints.save('c', 9, { partition: 1, offset: 5 }),
      checkpoints.save('c', 6, { partition: 2, offset: 2 }),
      checkpoints.save('c', 4, { partition: 0, offset: 2 }),
      checkpoints.save('other', 1),
    ];
    await Promise.all(saves);
    expect(writes.mock.calls.length).toBe(1);
    expect(await checkpoints.getFull('c')).toMatchObject({
      position: 9,
      offsets: { 0: 2, 1: 5, 2: 2 },
    });
    expect(await checkpoints.get('other')).toBe(1);
  });

  it('gathers the saves that arrive while a write is in flight into the next one', async () => {
    const write = SqliteReadCollection.prototype.bulkWrite;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const writes = jest
      .spyOn(SqliteReadCollection.prototype, 'bulkWrite')
      .mockImplementationOnce(async function (
        this: SqliteReadCollection<ReadDocument>,
        operations,
      ) {
        await held;
        return write.call(this, operations);
      });
    const first = checkpoints.save('a', 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes.mock.calls.length).toBe(1);
    const during = [checkpoints.save('a', 2), checkpoints.save('b', 5), checkpoints.save('c', 7)];
    release();
    await Promise.all([first, ...during]);
    expect(writes.mock.calls.length).toBe(2);
    expect(writes.mock.calls[1][0]).toHaveLength(3);
    expect(await checkpoints.getMany(['a', 'b', 'c'])).toMatchObject([
      { position: 2 },
      { position: 5 },
      { position: 7 },
    ]);
  });

  it('resolves a save only once a write covering it has landed', async () => {
    const first = checkpoints.save('c', 1);
    const second = first.then(() => checkpoints.save('c', 2));
    const third = checkpoints.save('c', 3);
    await third;
    expect(await checkpoints.get('c')).toBeGreaterThanOrEqual(3);
    await second;
    expect(await checkpoints.get('c')).toBe(3);
  });

  it('fails the saves of a failed write, and the next saves still land', async () => {
    jest
      .spyOn(SqliteReadCollection.prototype, 'bulkWrite')
      .mockRejectedValueOnce(new Error('store down'));
    const failed = checkpoints.save('c', 5);
    await expect(failed).rejects.toThrow('store down');
    await checkpoints.save('c', 6);
    expect(await checkpoints.get('c')).toBe(6);
  });

  it('tells listeners of each write with the position it reached', async () => {
    const heard: [string, number][] = [];
    checkpoints.onSaved((consumer, position) => heard.push([consumer, position]));
    await Promise.all([checkpoints.save('c', 2), checkpoints.save('c', 8)]);
    expect(heard.at(-1)).toEqual(['c', 8]);
  });
});
