import { Inject, Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROJECTIONS } from '../../projections';
import { DEAD_LETTERS, type DeadLetters } from '../event-feed/dead-letters.port';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port';
import { logPages } from '../history/log-pages';
import { DuplicateKeyError } from '../read-store/read-store.errors';
import { READ_STORE, type ReadStore } from '../read-store/read-store.port';
import { CheckpointStore } from '../subscriptions/checkpoint-store';
import type { Projection } from './projection';
import { ProjectionConsumer } from './projection-consumer';
import { LedgerError } from '../problems/ledger-error';
import {
  projectionVersions,
  rebuildRecords,
  type RebuildRecord,
  shadowConsumer,
  shadowOf,
} from './projection-rebuilds';

const POLL_MS = 500;

export class RebuildConflictError extends LedgerError {
  constructor(name: string) {
    super('REBUILD_IN_PROGRESS', `A rebuild of ${name} is already under way`);
    this.name = 'RebuildConflictError';
  }
}

/**
 * Rebuilds a read model without downtime: a shadow copy is folded from position 0 straight from
 * the event store while the live one keeps serving; once the shadow has reached what the live one
 * has applied, it replaces it in one rename, then replays the few events that arrived meanwhile
 * (revision guards make that idempotent). Progress is saved as it goes, so a crash resumes the
 * rebuild; the live model is untouched until the swap.
 */
@Injectable()
export class ProjectionRebuilder {
  private readonly logger = new Logger(ProjectionRebuilder.name);
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(DEAD_LETTERS) private readonly deadLetters: DeadLetters,
    private readonly checkpoints: CheckpointStore,
  ) {}

  /** Asks for a rebuild; whichever process runs projections carries it out. */
  async request(name: string, reason: string, version?: number): Promise<RebuildRecord> {
    const projection = this.projection(name);
    const record: RebuildRecord = {
      _id: name,
      state: 'requested',
      version: version ?? projection.version,
      reason,
      requestedAt: new Date().toISOString(),
      position: 0,
      head: await this.eventStore.headPosition(),
      rate: 0,
    };
    try {
      // Replaces a finished or failed record; an unfinished one makes the upsert collide.
      await rebuildRecords(this.readStore).replaceOne(
        { _id: name, state: { $in: ['done', 'failed'] } },
        record,
        { upsert: true },
      );
    } catch (error) {
      if (error instanceof DuplicateKeyError) throw new RebuildConflictError(name);
      throw error;
    }
    return record;
  }

  /**
   * Requests a rebuild of every projection whose code version differs from the one its live model
   * was built with, and returns their names: their live consumers must wait for it, so that old
   * documents are never folded further with new code.
   */
  async requestForChangedVersions(): Promise<string[]> {
    const changed: string[] = [];
    const versions = projectionVersions(this.readStore);
    for (const projection of PROJECTIONS) {
      const stored = await versions.findOne({ _id: projection.name });
      const built = await this.checkpoints.get(projection.name);
      if (!stored && built === 0) {
        await versions.replaceOne(
          { _id: projection.name },
          { _id: projection.name, version: projection.version },
          { upsert: true },
        );
      } else if (stored?.version !== projection.version) {
        changed.push(projection.name);
        await this.request(
          projection.name,
          `code version ${projection.version} replaces ${stored?.version ?? 'unknown'}`,
        ).catch((error: unknown) => {
          if (!(error instanceof RebuildConflictError)) throw error;
        });
      }
    }
    return changed;
  }

  /** Resolves once the projection's rebuild has finished (or failed: then it throws). */
  async finished(name: string): Promise<void> {
    while (!this.stopped) {
      const record = await rebuildRecords(this.readStore).findOne({ _id: name });
      if (!record || record.state === 'done') return;
      if (record.state === 'failed') throw new Error(`rebuild of ${name} failed: ${record.error}`);
      await sleep(POLL_MS);
    }
  }

  async status(name: string): Promise<RebuildRecord | null> {
    this.projection(name);
    return rebuildRecords(this.readStore).findOne({ _id: name });
  }

  /** Runs requested (and resumes interrupted) rebuilds until stopped. */
  start(): void {
    this.loop ??= (async () => {
      while (!this.stopped) {
        try {
          const pending = await rebuildRecords(this.readStore).find({
            state: { $in: ['requested', 'running'] },
          });
          for (const record of pending) {
            if (this.stopped) break;
            await this.rebuild(record);
          }
        } catch (error) {
          this.logger.error(`rebuild loop: ${(error as Error).message}`);
        }
        await sleep(POLL_MS);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async rebuild(record: RebuildRecord): Promise<void> {
    const live = this.projection(record._id);
    const shadow: Projection = {
      ...live,
      name: shadowConsumer(live.name),
      collection: shadowOf(live.collection),
    };
    const records = rebuildRecords(this.readStore);
    if (record.state === 'requested') {
      await this.readStore.collection(shadow.collection).drop();
      await this.readStore.collection('checkpoints').deleteMany({ _id: shadow.name });
    }
    for (const index of live.indexes) {
      await this.readStore.collection(shadow.collection).createIndex(index);
    }
    const startedAt = record.startedAt ?? new Date().toISOString();
    await records.updateOne({ _id: live.name }, { $set: { state: 'running', startedAt } });
    this.logger.log(`rebuilding ${live.name}: ${record.reason}`);
    try {
      await this.foldShadow(live, shadow, startedAt);
      await projectionVersions(this.readStore).replaceOne(
        { _id: live.name },
        { _id: live.name, version: record.version },
        { upsert: true },
      );
      await records.updateOne(
        { _id: live.name },
        { $set: { state: 'done', finishedAt: new Date().toISOString() } },
      );
      this.logger.log(`rebuilt ${live.name}`);
    } catch (error) {
      if (this.stopped) return;
      const message = (error as Error).message;
      await records.updateOne({ _id: live.name }, { $set: { state: 'failed', error: message } });
      this.logger.error(`rebuild of ${live.name} failed: ${message}`);
    }
  }

  private async foldShadow(live: Projection, shadow: Projection, startedAt: string) {
    const consumerFor = (target: Projection) =>
      new ProjectionConsumer(target, this.readStore, this.eventStore, this.deadLetters);
    let consumer = consumerFor(shadow);
    let position = await this.checkpoints.get(shadow.name);
    let swapped = false;
    for (;;) {
      if (this.stopped) throw new Error('stopped');
      for await (const events of logPages(this.eventStore, position)) {
        if (this.stopped) throw new Error('stopped');
        await consumer.handle(events);
        position = events[events.length - 1].position;
        await this.checkpoints.save(shadow.name, position);
        await this.reportProgress(live.name, position, startedAt);
      }
      // Caught up with the log. Swap once the shadow has all the live model has applied.
      if (!swapped) {
        const liveAt = await this.checkpoints.get(live.name);
        if (position < liveAt) {
          await sleep(50);
          continue;
        }
        await this.readStore.renameCollection(shadow.collection, live.collection);
        swapped = true;
        // From here on the shadow's documents are the live collection.
        consumer = consumerFor({ ...shadow, collection: live.collection });
        continue;
      }
      // One more pass after the swap replayed what the live consumer wrote to the old copy.
      // A live consumer held back for this rebuild starts where the shadow ended.
      await this.checkpoints.save(live.name, position);
      await this.readStore.collection('checkpoints').deleteMany({ _id: shadow.name });
      return;
    }
  }

  private async reportProgress(name: string, position: number, startedAt: string) {
    const head = await this.eventStore.headPosition();
    const seconds = Math.max(0.001, (Date.now() - Date.parse(startedAt)) / 1000);
    await rebuildRecords(this.readStore).updateOne(
      { _id: name },
      { $set: { position, head, rate: position / seconds } },
    );
  }

  private projection(name: string): Projection {
    const projection = PROJECTIONS.find((candidate) => candidate.name === name);
    if (!projection) throw new UnknownProjectionError(name);
    return projection;
  }
}

export class UnknownProjectionError extends LedgerError {
  constructor(name: string) {
    super('PROJECTION_NOT_FOUND', `No projection named ${name}`);
    this.name = 'UnknownProjectionError';
  }
}
