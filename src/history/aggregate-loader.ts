import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { Decider } from '../domain/decider';
import type { AppendResult } from '../event-store/event-store.port';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port';
import { LedgerMetrics } from '../observability/ledger-metrics';
import { AggregateStateCache } from '../snapshots/aggregate-state-cache';
import { SNAPSHOT_POLICY, type SnapshotPolicy } from '../snapshots/snapshot-policy';
import { SNAPSHOT_STORE, type SnapshotStore } from '../snapshots/snapshot-store.port';
import { SnapshotWriter } from '../snapshots/snapshot-writer';
import { emptyFold, type FoldedState, foldStream } from './fold-stream';
import { FOLD_VIEW, type FoldView } from './fold-view.port';

type DomainEvent = { type: string; data: unknown };
type AnyDecider<E extends DomainEvent, S> = Decider<never, E, S>;

/** A loaded state, and the revision of the stream's latest snapshot as far as this process knows. */
export interface LoadedAggregate<S> extends FoldedState<S> {
  snapshotRevision: number;
  /**
   * Taken from this process's cache without reading on: the stream's head unless another process
   * appended since. Only fit for a decision whose append names this revision as expected.
   */
  unconfirmed?: true;
}

export interface LoadOptions {
  /** Take a cached state as it is (see `LoadedAggregate.unconfirmed`). */
  trustCache?: boolean;
}

/**
 * After a snapshot read fails, loads skip snapshots for this long: with the store down, every load
 * would otherwise wait out the store's timeout first (2 s on MongoDB) before folding without one.
 */
const SNAPSHOT_READ_PAUSE_MS = 5000;

interface StartingPoint<S> {
  folded: FoldedState<S>;
  snapshotRevision: number;
  /** A snapshot's own event is read again, to check the stream still holds it there. */
  verifies: boolean;
  /** From this process's state cache. */
  cached?: true;
}

/**
 * How commands and the process manager get an aggregate's current state, at a cost that does not
 * grow with its history: from the cached fold, else the latest snapshot of the current fold
 * version, else the start; then the events after that point, never the whole stream (and none
 * when the caller trusts a cached state, see `LoadOptions`). A snapshot is scheduled once a
 * stream has moved `snapshotEvery` events past its last one, and written after the command has
 * been answered.
 */
@Injectable()
export class AggregateLoader {
  private readonly logger = new Logger(AggregateLoader.name);
  private snapshotReadsPausedUntil = 0;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SNAPSHOT_STORE) private readonly snapshots: SnapshotStore,
    @Inject(SNAPSHOT_POLICY) private readonly policy: SnapshotPolicy,
    private readonly cache: AggregateStateCache,
    private readonly writer: SnapshotWriter,
    @Inject(FOLD_VIEW) private readonly view: FoldView,
    @Optional() private readonly metrics?: LedgerMetrics,
  ) {}

  async load<E extends DomainEvent, S>(
    decider: AnyDecider<E, S>,
    id: string,
    options: LoadOptions = {},
  ): Promise<LoadedAggregate<S>> {
    const streamId = decider.streamId(id);
    const start = await this.startingPoint(decider, streamId);
    if (options.trustCache && start.cached) {
      this.metrics?.aggregateEventsRead.observe(0);
      return { ...start.folded, snapshotRevision: start.snapshotRevision, unconfirmed: true };
    }
    const fromRevision = start.folded.revision + (start.verifies ? 0 : 1);
    const events = await this.store.readStream(streamId, { fromRevision });
    this.metrics?.aggregateEventsRead.observe(events.length);
    if (start.verifies) {
      if (events[0]?.eventId !== start.folded.eventId) {
        this.metrics?.snapshotLoads.inc({ outcome: 'stale' });
        return this.fromScratch(decider, streamId);
      }
      this.metrics?.snapshotLoads.inc({ outcome: 'used' });
    }
    const after = start.verifies ? events.slice(1) : events;
    return this.keep(
      decider,
      streamId,
      foldStream(decider, start.folded, after.map(this.view)),
      start.snapshotRevision,
    );
  }

  /**
   * Records the state after an append that wrote `events` right after `before`: the next command
   * on this stream then reads only what others appended since.
   */
  appended<E extends DomainEvent, S>(
    decider: AnyDecider<E, S>,
    id: string,
    before: LoadedAggregate<S>,
    events: readonly E[],
    result: AppendResult,
    lastEventId: string,
  ): void {
    let state = before.state;
    // Folded as a later read would hand them back: after their JSON round trip.
    for (const event of events) {
      state = decider.evolve(state, this.view(JSON.parse(JSON.stringify(event)) as E));
    }
    const folded = { state, ...result, eventId: lastEventId };
    this.keep(decider, decider.streamId(id), folded, before.snapshotRevision);
  }

  private async startingPoint<E extends DomainEvent, S>(
    decider: AnyDecider<E, S>,
    streamId: string,
  ): Promise<StartingPoint<S>> {
    const cached = this.policy.cacheMaxEntries > 0 && this.cache.get(streamId, decider.foldVersion);
    if (cached) {
      return {
        folded: cached.folded as FoldedState<S>,
        snapshotRevision: cached.snapshotRevision,
        verifies: false,
        cached: true,
      };
    }
    const withoutSnapshot = { folded: emptyFold(decider), snapshotRevision: -1, verifies: false };
    if (Date.now() < this.snapshotReadsPausedUntil) {
      this.metrics?.snapshotLoads.inc({ outcome: 'paused' });
      return withoutSnapshot;
    }
    let snapshot;
    try {
      snapshot = await this.snapshots.load(streamId);
    } catch (error) {
      // Snapshots only spare reading: without them commands still answer, reading more.
      this.snapshotReadsPausedUntil = Date.now() + SNAPSHOT_READ_PAUSE_MS;
      this.metrics?.snapshotLoads.inc({ outcome: 'failed' });
      this.logger.warn(
        `snapshot of ${streamId} not read (${(error as Error).message}); ` +
          `snapshots are not read for the next ${SNAPSHOT_READ_PAUSE_MS} ms`,
      );
      return withoutSnapshot;
    }
    if (snapshot === undefined || snapshot.foldVersion !== decider.foldVersion) {
      this.metrics?.snapshotLoads.inc({ outcome: snapshot === undefined ? 'none' : 'stale' });
      return withoutSnapshot;
    }
    const { revision, position, eventId, state } = snapshot;
    return {
      folded: { state: state as S, revision, position, eventId },
      snapshotRevision: revision,
      verifies: true,
    };
  }

  private async fromScratch<E extends DomainEvent, S>(
    decider: AnyDecider<E, S>,
    streamId: string,
  ): Promise<LoadedAggregate<S>> {
    const events = await this.store.readStream(streamId);
    this.metrics?.aggregateEventsRead.observe(events.length);
    const folded = foldStream(decider, emptyFold(decider), events.map(this.view));
    return this.keep(decider, streamId, folded, -1);
  }

  private keep<E extends DomainEvent, S>(
    decider: AnyDecider<E, S>,
    streamId: string,
    folded: FoldedState<S>,
    snapshotRevision: number,
  ): LoadedAggregate<S> {
    let covered = snapshotRevision;
    if (folded.eventId !== undefined && folded.revision - snapshotRevision >= this.policy.every) {
      const { state, revision, position, eventId } = folded;
      this.writer.schedule({
        streamId,
        foldVersion: decider.foldVersion,
        revision,
        position,
        eventId,
        state,
      });
      covered = revision;
    }
    if (this.policy.cacheMaxEntries > 0) {
      this.cache.remember(streamId, {
        foldVersion: decider.foldVersion,
        folded,
        snapshotRevision: covered,
      });
    }
    return { ...folded, snapshotRevision: covered };
  }
}
