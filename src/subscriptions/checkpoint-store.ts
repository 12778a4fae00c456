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
@Injectable()
export class CheckpointStore {
  private readonly saved = new EventEmitter();

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
   * how far a partition of a partitioned transport has been handled.
   */
  async save(
    consumer: string,
    position: number,
    progress?: { partition: number; offset: number },
    now: Date = new Date(),
  ): Promise<void> {
    const max: Record<string, number> = { position };
    if (progress) max[`offsets.${progress.partition}`] = progress.offset;
    await this.collection.updateOne(
      { _id: consumer },
      { $max: max, $set: { updatedAt: now.toISOString() } },
      { upsert: true },
    );
    this.saved.emit('saved', consumer, position);
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
