import type { ReadDocument, ReadStore } from '../read-store/read-store.port';

export type RebuildState = 'requested' | 'running' | 'done' | 'failed';

/** One projection's rebuild, kept in the read store so that any process can see and resume it. */
export interface RebuildRecord extends ReadDocument {
  state: RebuildState;
  /** Projection version the rebuild builds. */
  version: number;
  reason: string;
  requestedAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Position the shadow has reached, and the head when it was measured. */
  position: number;
  head: number;
  /** Events per second over the rebuild so far. */
  rate: number;
  error?: string;
}

/** The code version of each projection the live read model was built with. */
export interface ProjectionVersion extends ReadDocument {
  version: number;
}

export const REBUILDS_COLLECTION = 'projection_rebuilds';
export const VERSIONS_COLLECTION = 'projection_versions';

export function rebuildRecords(readStore: ReadStore) {
  return readStore.collection<RebuildRecord>(REBUILDS_COLLECTION);
}

export function projectionVersions(readStore: ReadStore) {
  return readStore.collection<ProjectionVersion>(VERSIONS_COLLECTION);
}

export const shadowOf = (collection: string) => `${collection}__shadow`;
export const shadowConsumer = (name: string) => `${name}@shadow`;
