export const SNAPSHOT_POLICY = Symbol('SNAPSHOT_POLICY');

export interface SnapshotPolicy {
  /** A stream gets a new snapshot once it is this many events past its latest one. */
  every: number;
  /** 0 turns the in-memory state cache off: every load starts from the snapshot. */
  cacheMaxEntries: number;
}
