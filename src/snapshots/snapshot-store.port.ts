export const SNAPSHOT_STORE = Symbol('SNAPSHOT_STORE');

/** An aggregate's state folded from its stream up to `revision`, by fold `foldVersion`. */
export interface Snapshot {
  streamId: string;
  foldVersion: number;
  revision: number;
  /** Global position of the event at `revision`. */
  position: number;
  /**
   * Id of the event at `revision`: a stream that does not hold it there (an event store restored
   * from an older backup, say) makes the snapshot useless, and it is ignored.
   */
  eventId: string;
  /** Plain JSON: what the fold produced. */
  state: unknown;
}

/**
 * Durable snapshots, one per stream (the latest kept). They only spare reading: losing one, or
 * keeping an older one, changes no answer, since the events after it are always read.
 */
export interface SnapshotStore {
  load(streamId: string): Promise<Snapshot | undefined>;
  /** Replaces the stream's snapshot unless the stored one already covers a later revision. */
  save(snapshot: Snapshot): Promise<void>;
}
