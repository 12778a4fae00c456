import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { SqliteReadStore } from '../../src/read-store/embedded/sqlite-read-store';
import { MongoReadStore } from '../../src/read-store/mongodb/mongo-read-store';
import type { ReadStore } from '../../src/read-store/read-store.port';
import { ReadStoreSnapshotStore } from '../../src/snapshots/read-store-snapshot-store';
import type { Snapshot } from '../../src/snapshots/snapshot-store.port';
import { removeDataDir, tempDataDir } from '../../harness/data-dir';

/** The snapshot store over each read store adapter: what is kept when snapshots race or age. */
const adapters: [string, () => { store: ReadStore; cleanup: () => void }][] = [
  [
    'the embedded read store',
    () => {
      const dir = tempDataDir();
      return {
        store: new SqliteReadStore({ file: join(dir, 'read-models.sqlite') }),
        cleanup: () => removeDataDir(dir),
      };
    },
  ],
  [
    'the MongoDB-wire read store',
    () => {
      const url = process.env.MONGODB_URL;
      if (!url) throw new Error('MONGODB_URL is not set: run `bash infra/infra.sh up`');
      return { store: new MongoReadStore({ url }), cleanup: () => undefined };
    },
  ],
];

describe.each(adapters)('ReadStoreSnapshotStore over %s', (_name, open) => {
  let opened: ReturnType<typeof open>;
  let snapshots: ReadStoreSnapshotStore;
  beforeAll(() => {
    opened = open();
    snapshots = new ReadStoreSnapshotStore(opened.store);
  });
  afterAll(async () => {
    await opened.store.close();
    opened.cleanup();
  });

  function snapshot(streamId: string, revision: number, foldVersion = 1): Snapshot {
    return {
      streamId,
      foldVersion,
      revision,
      position: revision + 100,
      eventId: randomUUID(),
      state: { status: 'open', balance: revision, transfersInFlight: ['t-1'] },
    };
  }

  it('gives back what was saved, and nothing for a stream without one', async () => {
    const streamId = `account-${randomUUID()}`;
    const saved = snapshot(streamId, 10);

    await snapshots.save(saved);

    expect(await snapshots.load(streamId)).toEqual(saved);
    expect(await snapshots.load(`account-${randomUUID()}`)).toBeUndefined();
  });

  it('keeps the later of two snapshots of one fold, whichever is saved last', async () => {
    const streamId = `account-${randomUUID()}`;
    const later = snapshot(streamId, 20);

    await snapshots.save(later);
    await snapshots.save(snapshot(streamId, 12));

    expect(await snapshots.load(streamId)).toEqual(later);
  });

  it('replaces a snapshot of another fold version, whatever revision it covers', async () => {
    const streamId = `account-${randomUUID()}`;
    const rebuilt = snapshot(streamId, 15, 2);

    await snapshots.save(snapshot(streamId, 30, 1));
    await snapshots.save(rebuilt);

    expect(await snapshots.load(streamId)).toEqual(rebuilt);
  });
});
