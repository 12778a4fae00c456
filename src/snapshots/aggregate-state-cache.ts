import { LRUCache } from 'lru-cache';
import type { FoldedState } from '../history/fold-stream';
import type { LedgerMetrics } from '../observability/ledger-metrics';

export interface StateCacheLimits {
  maxEntries: number;
  /** Bound on the states' JSON size, in bytes, plus a fixed overhead per entry. */
  maxBytes: number;
}

export interface CachedAggregate {
  foldVersion: number;
  folded: FoldedState<unknown>;
  /** Revision of the latest snapshot known to be stored (or scheduled), -1 for none. */
  snapshotRevision: number;
}

/** Map slot, key and object headers, roughly, so that tiny states still count for something. */
const ENTRY_OVERHEAD_BYTES = 128;

/**
 * Folded states of recently used streams in this process, so that a command on a hot stream
 * reads only the events appended since (often none) and no snapshot. Least recently used states
 * go first once either bound is reached. A cached state is taken for the stream's head only by a
 * decision whose append expects its revision, so another process's append is seen as a conflict;
 * every other load reads on from its revision.
 */
export class AggregateStateCache {
  private readonly entries: LRUCache<string, CachedAggregate>;

  constructor(
    limits: StateCacheLimits,
    private readonly metrics?: LedgerMetrics,
  ) {
    this.entries = new LRUCache<string, CachedAggregate>({
      max: Math.max(1, limits.maxEntries),
      maxSize: limits.maxBytes,
      sizeCalculation: (entry, streamId) =>
        ENTRY_OVERHEAD_BYTES + streamId.length + Buffer.byteLength(JSON.stringify(entry.folded)),
      dispose: (_entry, _streamId, reason) => {
        if (reason === 'evict') this.metrics?.stateCacheEvictions.inc();
      },
    });
  }

  /** A state folded by another version of the fold counts as a miss. */
  get(streamId: string, foldVersion: number): CachedAggregate | undefined {
    const entry = this.entries.get(streamId);
    if (entry === undefined || entry.foldVersion !== foldVersion) {
      this.metrics?.stateCacheMisses.inc();
      return undefined;
    }
    this.metrics?.stateCacheHits.inc();
    return entry;
  }

  /**
   * Keeps the state unless the cache already holds a later one of the same fold: two commands
   * on one stream may finish their loads out of order.
   */
  remember(streamId: string, entry: CachedAggregate): void {
    const held = this.entries.peek(streamId);
    if (
      held !== undefined &&
      held.foldVersion === entry.foldVersion &&
      held.folded.revision > entry.folded.revision
    ) {
      return;
    }
    this.entries.set(streamId, entry);
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.entries.calculatedSize;
  }
}
