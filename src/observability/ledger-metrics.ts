import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every metric the process exports, in a registry of its own (several apps may share a process in
 * tests). Labels take bounded values only: route templates, command types, consumer names, codes.
 */
export class LedgerMetrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly commands = new Counter({
    name: 'ledger_commands_total',
    help: 'Commands handled, by command type and outcome (ok or the refusal code)',
    labelNames: ['command', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly appendDuration = new Histogram({
    name: 'ledger_event_store_append_seconds',
    help: 'Event store append latency',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

  readonly eventsAppended = new Counter({
    name: 'ledger_events_appended_total',
    help: 'Events appended to the event store by this process',
    registers: [this.registry],
  });

  readonly appendGroupSize = new Histogram({
    name: 'ledger_event_store_group_size',
    help: 'Requests committed together in one embedded event store transaction (one fsync)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    registers: [this.registry],
  });

  readonly clockStepsBack = new Counter({
    name: 'ledger_clock_steps_back_total',
    help: 'Appends whose clock reading was behind the log, stored at the last recorded time instead',
    registers: [this.registry],
  });

  readonly storageWaits = new Counter({
    name: 'ledger_consumer_storage_waits_total',
    help: 'Batches a consumer retried later because a store was busy or full, by consumer and reason',
    labelNames: ['consumer', 'reason'] as const,
    registers: [this.registry],
  });

  readonly idempotencySaveFailures = new Counter({
    name: 'ledger_idempotency_save_failures_total',
    help: 'Committed commands whose stored answer could not be saved; a retry rebuilds it',
    registers: [this.registry],
  });

  readonly idempotencyPendingFailures = new Counter({
    name: 'ledger_idempotency_pending_failures_total',
    help: 'Idempotency-Key commands run without a record of their start (the read store refused it)',
    registers: [this.registry],
  });

  readonly eventsHandled = new Counter({
    name: 'ledger_consumer_events_total',
    help: 'Events handed to each feed consumer (projection, process manager) by this process',
    labelNames: ['consumer'] as const,
    registers: [this.registry],
  });

  readonly consumerFailures = new Counter({
    name: 'ledger_consumer_failures_total',
    help: 'Failed batches per feed consumer; each failure restarts the consumer',
    labelNames: ['consumer'] as const,
    registers: [this.registry],
  });

  readonly eventStoreSkipped = new Counter({
    name: 'ledger_event_store_skipped_events_total',
    help: 'Events in the global log passed over because Ledgerline did not write them, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly idempotentReplays = new Counter({
    name: 'ledger_idempotency_replays_total',
    help: 'Commands answered from a stored answer because their Idempotency-Key was seen',
    registers: [this.registry],
  });

  readonly consistencyWaits = new Counter({
    name: 'ledger_consistency_waits_total',
    help: 'consistentWith waits by outcome (reached or timeout)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly stateCacheHits = new Counter({
    name: 'ledger_state_cache_hits_total',
    help: 'Aggregate loads that started from the in-memory state cache',
    registers: [this.registry],
  });

  readonly stateCacheMisses = new Counter({
    name: 'ledger_state_cache_misses_total',
    help: 'Aggregate loads that found no cached state (or one of another fold version)',
    registers: [this.registry],
  });

  readonly stateCacheEvictions = new Counter({
    name: 'ledger_state_cache_evictions_total',
    help: 'Cached aggregate states dropped to stay within the entry and byte bounds',
    registers: [this.registry],
  });

  readonly snapshotLoads = new Counter({
    name: 'ledger_snapshot_loads_total',
    help: 'Snapshot look-ups on a cache miss, by outcome: used, none, stale (other fold version or not in the stream), failed',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly snapshotsWritten = new Counter({
    name: 'ledger_snapshots_written_total',
    help: 'Snapshots written in the background',
    registers: [this.registry],
  });

  readonly snapshotWriteFailures = new Counter({
    name: 'ledger_snapshot_write_failures_total',
    help: 'Snapshot writes that failed; commands are unaffected, the next one tries again',
    registers: [this.registry],
  });

  readonly aggregateEventsRead = new Histogram({
    name: 'ledger_aggregate_events_read',
    help: 'Events read from the event store to load one aggregate (those after its snapshot or cached state)',
    buckets: [0, 1, 2, 5, 10, 25, 50, 100, 250, 1000, 10000],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** A gauge whose value is read from the stores at scrape time, so every role reports the same. */
  gauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    collect: (gauge: Gauge<L>) => Promise<void>,
  ): void {
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        await collect(this);
      },
    });
  }
}
