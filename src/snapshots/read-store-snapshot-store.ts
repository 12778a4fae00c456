import { DuplicateKeyError } from '../read-store/read-store.errors';
import type { ReadDocument, ReadStore } from '../read-store/read-store.port';
import type { Snapshot, SnapshotStore } from './snapshot-store.port';

export const SNAPSHOTS_COLLECTION = 'snapshots';

interface SnapshotDocument extends ReadDocument {
  foldVersion: number;
  revision: number;
  position: number;
  eventId: string;
  state: unknown;
}

/**
 * Snapshots as documents of the read store (SQLite embedded, MongoDB in production), keyed by
 * stream id. They are not read models: nothing projects them and no query reads them.
 */
export class ReadStoreSnapshotStore implements SnapshotStore {
  constructor(private readonly store: ReadStore) {}

  private get collection() {
    return this.store.collection<SnapshotDocument>(SNAPSHOTS_COLLECTION);
  }

  async load(streamId: string): Promise<Snapshot | undefined> {
    const document = await this.collection.findOne({ _id: streamId });
    if (document === null) return undefined;
    const { foldVersion, revision, position, eventId, state } = document;
    return { streamId, foldVersion, revision, position, eventId, state };
  }

  async save(snapshot: Snapshot): Promise<void> {
    const { streamId, foldVersion, revision, position, eventId, state } = snapshot;
    try {
      await this.collection.replaceOne(
        // A snapshot of another fold version is replaced whatever it covers.
        {
          _id: streamId,
          $or: [{ revision: { $lt: revision } }, { foldVersion: { $ne: foldVersion } }],
        },
        { _id: streamId, foldVersion, revision, position, eventId, state },
        { upsert: true },
      );
    } catch (error) {
      // The guard did not match an existing document: it already covers this revision or later.
      if (!(error instanceof DuplicateKeyError)) throw error;
    }
  }
}
