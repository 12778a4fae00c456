import type { EventEnvelope } from '../event-store/event-envelope';
import { DuplicateKeyError } from '../read-store/read-store.errors';
import type { BulkWriteOperation, ReadStore } from '../read-store/read-store.port';
import type { FeedConsumer } from '../subscriptions/feed-consumer';
import type { ProjectedDocument, Projection } from './projection';

/**
 * Applies a batch of events to one read model in one bulk write. An event whose revision the
 * document has already reached is skipped, and every write is guarded by the revision it read, so
 * neither redelivery nor a concurrent writer applies anything twice.
 */
export class ProjectionConsumer<D extends ProjectedDocument> implements FeedConsumer {
  readonly feedsReadModels = true;

  constructor(
    private readonly projection: Projection<D>,
    private readonly readStore: ReadStore,
  ) {}

  get name(): string {
    return this.projection.name;
  }

  async handle(events: EventEnvelope[]): Promise<void> {
    const relevant = events.filter((event) => this.projection.handles.includes(event.type));
    if (relevant.length === 0) return;
    try {
      await this.applyOnce(relevant);
    } catch (error) {
      // Another writer got a newer revision in first: re-reading skips what it already applied.
      if (!(error instanceof DuplicateKeyError)) throw error;
      await this.applyOnce(relevant);
    }
  }

  private async applyOnce(events: EventEnvelope[]): Promise<void> {
    const collection = this.readStore.collection<D>(this.projection.collection);
    const ids = [...new Set(events.map((event) => this.projection.documentId(event)))];
    const stored = await collection.find({ _id: { $in: ids } });
    const current = new Map<string, D>(stored.map((doc) => [doc._id, doc]));
    const changed = new Set<string>();
    for (const event of events) {
      const id = this.projection.documentId(event);
      const document = current.get(id) ?? null;
      if (document && document.revision >= event.revision) continue;
      current.set(id, this.projection.evolve(document, event));
      changed.add(id);
    }
    if (changed.size === 0) return;
    const operations: BulkWriteOperation<D>[] = [...changed].map((id) => {
      const replacement = current.get(id)!;
      return {
        replaceOne: {
          filter: { _id: id, revision: { $lt: replacement.revision } },
          replacement,
          upsert: true,
        },
      };
    });
    await collection.bulkWrite(operations);
  }
}
