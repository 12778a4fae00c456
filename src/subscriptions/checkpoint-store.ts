import { Inject, Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { READ_STORE, type ReadDocument, type ReadStore } from '../read-store/read-store.port';

export const CHECKPOINTS_COLLECTION = 'checkpoints';

export interface Checkpoint extends ReadDocument {
  /**
   * Global position of the last event the consumer has fully handled. From a partitioned
   * transport it is only the highest position seen: `offsets` says what has been handled.
   */
  position: number;
  /** Partitioned transports: per partition, the offset of the last message handled. */
  offsets?: Record<string, number>;
  /** The relay's: per partition, where the topic ended once `position` was acknowledged. */
  partitionEnds?: Record<string, number>;
  updatedAt: string;
}

/**
 * Where each consumer of the feed remembers how far it got. It lives in the read store so that an
 * api process can see how far projector processes are (read-your-writes across processes).
 */
/** What the next write of one consumer's checkpoint will raise its fields to. */
interface PendingSave {
  max: Record<string, number>;
  updatedAt: Date;
}

function raise(fields: Record<string, number>, field: string, value: number): void {
  fields[field] = Math.max(fields[field] ?? value, value);
}

@Injectable()
export class CheckpointStore {
  private readonly saved = new EventEmitter();
  /** Per consumer, the write in flight and the one gathering saves behind it. */
  private readonly writing = new Map<string, Promise<void>>();
  private readonly nextSave = new Map<string, { save: PendingSave; done: Promise<void> }>();

  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {
    this.saved.setMaxListeners(0);
  }

  private get collection() {
    return this.readStore.collection<Checkpoint>(CHECKPOINTS_COLLECTION);
  }

  async get(consumer: string): Promise<number> {
    return (await this.getFull(consumer)).position;
  }

  async getFull(consumer: string): Promise<Checkpoint> {
    const checkpoint = await this.collection.findOne({ _id: consumer });
    return checkpoint ?? { _id: consumer, position: 0, updatedAt: '' };
  }

  async getMany(consumers: readonly string[]): Promise<Checkpoint[]> {
    const found = await this.collection.find({ _id: { $in: [...consumers] } });
    return consumers.map(
      (c) => found.find((f) => f._id === c) ?? { _id: c, position: 0, updatedAt: '' },
    );
  }

  /**
   * Only ever moves forward, so a late or repeated save cannot undo progress. `progress` records
   * how far a partition of a partitioned transport has been handled. Saves of one consumer that
   * arrive while its previous write is in flight (its partitions run side by side) go out
   * together as the next write; each resolves once a write covering it has landed.
   */
  save(
    consumer: string,
    position: number,
    progress?: { partition: number; offset: number },
    now: Date = new Date(),
  ): Promise<void> {
    let next = this.nextSave.get(consumer);
    if (!next) {
      const save: PendingSave = { max: {}, updatedAt: now };
      const done = (this.writing.get(consumer) ?? Promise.resolve())
        .catch(() => undefined)
        .then(() => this.write(consumer, save));
      next = { save, done };
      this.nextSave.set(consumer, next);
    }
    const { save } = next;
    raise(save.max, 'position', position);
    if (progress) raise(save.max, `offsets.${progress.partition}`, progress.offset);
    if (now > save.updatedAt) save.updatedAt = now;
    return next.done;
  }

  private async write(consumer: string, save: PendingSave): Promise<void> {
    // From here on, saves of this consumer gather for the write after this one.
    this.nextSave.delete(consumer);
    const writing = this.collection
      .updateOne(
        { _id: consumer },
        { $max: save.max, $set: { updatedAt: save.updatedAt.toISOString() } },
        { upsert: true },
      )
      .then(() => undefined);
    this.writing.set(consumer, writing);
    try {
      await writing;
    } finally {
      if (this.writing.get(consumer) === writing) this.writing.delete(consumer);
    }
    this.saved.emit('saved', consumer, save.max.position);
  }

  /**
   * The relay's progress: events up to `position` are in the topic, below `partitionEnds`. One
   * write, so a reader never sees a position without the ends that cover it.
   */
  async savePublished(
    consumer: string,
    position: number,
    partitionEnds: Record<string, number>,
    now: Date = new Date(),
  ): Promise<void> {
    await this.collection.updateOne(
      { _id: consumer },
      { $set: { position, partitionEnds, updatedAt: now.toISOString() } },
      { upsert: true },
    );
    this.saved.emit('saved', consumer, position);
  }

  /** Calls back on every save made by this process; returns the unsubscribe function. */
  onSaved(listener: (consumer: string, position: number) => void): () => void {
    this.saved.on('saved', listener);
    return () => this.saved.off('saved', listener);
  }
}
