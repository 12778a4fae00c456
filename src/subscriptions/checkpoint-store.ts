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

/** What the next write of one consumer's checkpoint will raise its fields to. */
interface PendingSave {
  max: Record<string, number>;
  updatedAt: Date;
}

/** The saves, by consumer, that the next write will carry, and its outcome. */
interface PendingWrite {
  saves: Map<string, PendingSave>;
  done: Promise<void>;
}

function raise(fields: Record<string, number>, field: string, value: number): void {
  fields[field] = Math.max(fields[field] ?? value, value);
}

/**
 * Where each consumer of the feed remembers how far it got. It lives in the read store so that an
 * api process can see how far projector processes are (read-your-writes across processes).
 *
 * One write at a time for all the consumers of the process: the saves that arrive while it is in
 * flight (the consumers of one process each save after every batch, and a new event reaches them
 * all at once) go out together as the next write, one bulk write of one update per consumer.
 */
@Injectable()
export class CheckpointStore {
  private readonly saved = new EventEmitter();
  /** The write in flight, settled (never rejected) when it is done. */
  private writing: Promise<void> = Promise.resolve();
  private next: PendingWrite | undefined;

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
   * how far a partition of a partitioned transport has been handled. Resolves once a write
   * covering this save has landed.
   */
  save(
    consumer: string,
    position: number,
    progress?: { partition: number; offset: number },
    now: Date = new Date(),
  ): Promise<void> {
    const next = this.next ?? this.nextWrite();
    let save = next.saves.get(consumer);
    if (!save) {
      save = { max: {}, updatedAt: now };
      next.saves.set(consumer, save);
    }
    raise(save.max, 'position', position);
    if (progress) raise(save.max, `offsets.${progress.partition}`, progress.offset);
    if (now > save.updatedAt) save.updatedAt = now;
    return next.done;
  }

  private nextWrite(): PendingWrite {
    const saves = new Map<string, PendingSave>();
    const done = this.writing.then(() => this.write(saves));
    this.writing = done.catch(() => undefined);
    this.next = { saves, done };
    return this.next;
  }

  private async write(saves: Map<string, PendingSave>): Promise<void> {
    // From here on, saves gather for the write after this one.
    this.next = undefined;
    await this.collection.bulkWrite(
      [...saves].map(([consumer, save]) => ({
        updateOne: {
          filter: { _id: consumer },
          update: { $max: save.max, $set: { updatedAt: save.updatedAt.toISOString() } },
          upsert: true,
        },
      })),
    );
    for (const [consumer, save] of saves) this.saved.emit('saved', consumer, save.max.position);
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
