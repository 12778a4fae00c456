import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every metric the process exports, in a registry of its own (several apps may share a process in
 * tests). Labels take bounded values only: route templates, command types, consumer names, codes.
 */
export class LedgerMetrics {
  readonly registry = new Registry();

  readonly httpRequests = this.counter(
    'http_requests_total',
    'HTTP requests by route template and status',
    ['method', 'route', 'status'],
  );

  readonly httpDuration = this.histogram(
    'http_request_duration_seconds',
    'HTTP request latency by route template and status',
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    ['method', 'route', 'status'],
  );

  readonly commands = this.counter(
    'ledger_commands_total',
    'Commands handled, by command type and outcome (ok or the refusal code)',
    ['command', 'outcome'],
  );

  readonly appendDuration = this.histogram(
    'ledger_event_store_append_seconds',
    'Event store append latency',
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  );

  readonly eventsAppended = this.counter(
    'ledger_events_appended_total',
    'Events appended to the event store by this process',
  );

  readonly appendGroupSize = this.histogram(
    'ledger_event_store_group_size',
    'Requests committed together in one embedded event store transaction (one fsync)',
    [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
  );

  readonly clockStepsBack = this.counter(
    'ledger_clock_steps_back_total',
    'Appends whose clock reading was behind the log, stored at the last recorded time instead',
  );

  readonly storageWaits = this.counter(
    'ledger_consumer_storage_waits_total',
    'Batches a consumer retried later because a store was busy or full, by consumer and reason',
    ['consumer', 'reason'],
  );

  readonly idempotencySaveFailures = this.counter(
    'ledger_idempotency_save_failures_total',
    'Committed commands whose stored answer could not be saved; a retry rebuilds it',
  );

  readonly idempotencyPendingFailures = this.counter(
    'ledger_idempotency_pending_failures_total',
    'Idempotency-Key commands run without a record of their start (the read store refused it)',
  );

  readonly eventsHandled = this.counter(
    'ledger_consumer_events_total',
    'Events handed to each feed consumer (projection, process manager) by this process',
    ['consumer'],
  );

  readonly consumerFailures = this.counter(
    'ledger_consumer_failures_total',
    'Failed batches per feed consumer; each failure restarts the consumer',
    ['consumer'],
  );

  readonly eventStoreSkipped = this.counter(
    'ledger_event_store_skipped_events_total',
    'Events in the global log passed over because Ledgerline did not write them, by reason',
    ['reason'],
  );

  readonly idempotentReplays = this.counter(
    'ledger_idempotency_replays_total',
    'Commands answered from a stored answer because their Idempotency-Key was seen',
  );

  readonly consistencyWaits = this.counter(
    'ledger_consistency_waits_total',
    'consistentWith waits by outcome (reached or timeout)',
    ['outcome'],
  );

  readonly stateCacheHits = this.counter(
    'ledger_state_cache_hits_total',
    'Aggregate loads that started from the in-memory state cache',
  );

  readonly stateCacheMisses = this.counter(
    'ledger_state_cache_misses_total',
    'Aggregate loads that found no cached state (or one of another fold version)',
  );

  readonly stateCacheEvictions = this.counter(
    'ledger_state_cache_evictions_total',
    'Cached aggregate states dropped to stay within the entry and byte bounds',
  );

  readonly snapshotLoads = this.counter(
    'ledger_snapshot_loads_total',
    'Snapshot look-ups on a cache miss, by outcome: used, none, stale (other fold version or not in the stream), failed, paused (not asked: a read failed moments ago)',
    ['outcome'],
  );

  readonly snapshotsWritten = this.counter(
    'ledger_snapshots_written_total',
    'Snapshots written in the background',
  );

  readonly snapshotWriteFailures = this.counter(
    'ledger_snapshot_write_failures_total',
    'Snapshot writes that failed; commands are unaffected, the next one tries again',
  );

  readonly aggregateEventsRead = this.histogram(
    'ledger_aggregate_events_read',
    'Events read from the event store to load one aggregate (those after its snapshot or cached state)',
    [0, 1, 2, 5, 10, 25, 50, 100, 250, 1000, 10000],
  );

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Each metric is registered in this process's own registry, and only there. */
  private counter<L extends string = string>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
  ): Counter<L> {
    return new Counter<L>({ name, help, labelNames, registers: [this.registry] });
  }

  private histogram<L extends string = string>(
    name: string,
    help: string,
    buckets: number[],
    labelNames: readonly L[] = [],
  ): Histogram<L> {
    return new Histogram<L>({ name, help, buckets, labelNames, registers: [this.registry] });
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
