import type { Provider } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/app-config.token';
import { AggregateLoader } from '../history/aggregate-loader';
import { LedgerMetrics } from '../observability/ledger-metrics';
import { READ_STORE, type ReadStore } from '../read-store/read-store.port';
import { AggregateStateCache } from '../snapshots/aggregate-state-cache';
import { ReadStoreSnapshotStore } from '../snapshots/read-store-snapshot-store';
import { SNAPSHOT_POLICY, type SnapshotPolicy } from '../snapshots/snapshot-policy';
import { SNAPSHOT_STORE } from '../snapshots/snapshot-store.port';
import { SnapshotWriter } from '../snapshots/snapshot-writer';

/** How aggregates are loaded: snapshots in the read store, a bounded cache, the loader. */
export const aggregateState: Provider[] = [
  {
    provide: SNAPSHOT_STORE,
    inject: [READ_STORE],
    useFactory: (store: ReadStore) => new ReadStoreSnapshotStore(store),
  },
  {
    provide: SNAPSHOT_POLICY,
    inject: [APP_CONFIG],
    useFactory: ({ aggregateState }: AppConfig): SnapshotPolicy => ({
      every: aggregateState.snapshotEvery,
      cacheMaxEntries: aggregateState.cacheMaxEntries,
    }),
  },
  {
    provide: AggregateStateCache,
    inject: [APP_CONFIG, LedgerMetrics],
    useFactory: ({ aggregateState }: AppConfig, metrics: LedgerMetrics) => {
      const limits = {
        maxEntries: aggregateState.cacheMaxEntries,
        maxBytes: aggregateState.cacheMaxBytes,
      };
      const cache = new AggregateStateCache(limits, metrics);
      metrics.gauge(
        'ledger_state_cache_entries',
        'Aggregate states held in the cache',
        [],
        async (gauge) => gauge.set(cache.size),
      );
      metrics.gauge(
        'ledger_state_cache_bytes',
        'Estimated bytes of the cached aggregate states',
        [],
        async (gauge) => gauge.set(cache.bytes),
      );
      return cache;
    },
  },
  SnapshotWriter,
  AggregateLoader,
];
