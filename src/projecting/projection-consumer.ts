import { Logger } from '@nestjs/common';
import type { DeadLetters } from '../event-feed/dead-letters.port';
import type { EventEnvelope } from '../event-store/event-envelope';
import type { EventStore } from '../event-store/event-store.port';
import { DuplicateKeyError } from '../read-store/read-store.errors';
import type { BulkWriteOperation, ReadStore } from '../read-store/read-store.port';
import type { FeedConsumer } from '../subscriptions/feed-consumer';
import type { ProjectedDocument, Projection } from './projection';

/** A fold that throws is retried this often before its event is dead-lettered. */
const EVOLVE_ATTEMPTS = 3;

/**
 * Applies a batch of events to one read model in one bulk write. An event whose revision the
 * document has already reached is skipped, and every write is guarded by the revision it read, so
 * neither redelivery nor a concurrent writer applies anything twice. For read models that see
 * every event of their streams, a revision gap (events lost on the way) is filled from the event
 * store before going on. An event the fold cannot apply is dead-lettered, and its stream waits
 * (later events of it are dead-lettered too) while every other stream goes on.
 */
export class ProjectionConsumer<D extends ProjectedDocument> implements FeedConsumer {
  private readonly logger: Logger;

  constructor(
    private readonly projection: Projection<D>,
    private readonly readStore: ReadStore,
    private readonly eventStore: EventStore,
    private readonly deadLetters: DeadLetters,
  ) {
    this.logger = new Logger(`projection ${projection.name}`);
  }

  get name(): string {
    return this.projection.name;
  }

  async handle(events: EventEnvelope[]): Promise<void> {
    const relevant = events.filter((event) => this.projection.handles.includes(event.type));
    if (relevant.length === 0) return;
    try {
      await this.applyOnce(relevant, this.projection.documentPerEvent ?? false);
    } catch (error) {
      // Another writer got a newer revision in first, or a document per event already exists
      // (redelivery): re-reading skips what is already applied.
      if (!(error instanceof DuplicateKeyError)) throw error;
      await this.applyOnce(relevant, false);
    }
  }

  private async applyOnce(events: EventEnvelope[], assumeNew: boolean): Promise<void> {
    const collection = this.readStore.collection<D>(this.projection.collection);
    const ids = [...new Set(events.map((event) => this.projection.documentId(event)))];
    const stored = assumeNew ? [] : await collection.find({ _id: { $in: ids } });
    const current = new Map<string, D>(stored.map((doc) => [doc._id, doc]));
    const changed = new Set<string>();
    const poisoned = new Set<string>();
    for (const event of events) {
      const id = this.projection.documentId(event);
      if (poisoned.has(id)) {
        await this.deadLetters.record(this.name, event, 'an earlier event of its stream is dead');
        continue;
      }
      const document = current.get(id) ?? null;
      if (document && document.revision >= event.revision) continue;
      const missing = await this.missingBefore(document, event);
      let next = document;
      for (const step of [...missing, event]) {
        const evolved = await this.evolve(next, step);
        if (!evolved) {
          poisoned.add(id);
          if (step !== event) {
            await this.deadLetters.record(
              this.name,
              event,
              'an earlier event of its stream is dead',
            );
          }
          break;
        }
        next = evolved;
      }
      if (poisoned.has(id)) continue;
      current.set(id, next!);
      changed.add(id);
    }
    if (changed.size === 0) return;
    const storedIds = new Set(stored.map((doc) => doc._id));
    const operations: BulkWriteOperation<D>[] = [...changed].map((id) => {
      const replacement = current.get(id)!;
      // A new document is inserted: the plain _id lookup is fast on every store, and a concurrent
      // insert surfaces as DuplicateKeyError like a guarded upsert that lost.
      if (!storedIds.has(id)) return { insertOne: { document: replacement } };
      return {
        replaceOne: {
          filter: { _id: id, revision: { $lt: replacement.revision } },
          replacement,
          upsert: true,
        },
      };
    });
    await collection.bulkWrite(operations);
    for (const event of events) {
      this.logger.debug({
        msg: 'applied event',
        eventId: event.eventId,
        streamId: event.streamId,
        revision: event.revision,
        correlationId: event.metadata.correlationId,
        traceparent: event.metadata.traceparent,
      });
    }
  }

  /** Events of the stream between the document's revision and this one, when any went missing. */
  private async missingBefore(document: D | null, event: EventEnvelope): Promise<EventEnvelope[]> {
    if (!this.projection.seesWholeStreams) return [];
    const expected = document ? document.revision + 1 : 0;
    if (event.revision <= expected) return [];
    this.logger.warn(
      `${event.streamId}: got revision ${event.revision}, expected ${expected}; re-reading the gap`,
    );
    const gap = await this.eventStore.readStream(event.streamId, {
      fromRevision: expected,
      maxCount: event.revision - expected,
    });
    if (gap.length !== event.revision - expected) {
      throw new Error(`${event.streamId}: revisions ${expected}..${event.revision - 1} not found`);
    }
    return gap;
  }

  /** The fold, or null when it keeps throwing for this event: then the event is dead-lettered. */
  private async evolve(document: D | null, event: EventEnvelope): Promise<D | null> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= EVOLVE_ATTEMPTS; attempt++) {
      try {
        return this.projection.evolve(document, event);
      } catch (error) {
        lastError = error;
      }
    }
    const reason = lastError instanceof Error ? lastError.message : String(lastError);
    this.logger.error(
      `dead-lettering ${event.type} ${event.eventId} of ${event.streamId}: ${reason}`,
    );
    await this.deadLetters.record(this.name, event, reason);
    return null;
  }
}
