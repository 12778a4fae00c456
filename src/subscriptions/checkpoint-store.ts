import { Inject, Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { READ_STORE, type ReadDocument, type ReadStore } from '../read-store/read-store.port';

export const CHECKPOINTS_COLLECTION = 'checkpoints';

export interface Checkpoint extends ReadDocument {
  /** Global position of the last event the consumer has fully handled. */
  position: number;
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
    const checkpoint = await this.collection.findOne({ _id: consumer });
    return checkpoint?.position ?? 0;
  }

  async getMany(consumers: readonly string[]): Promise<Map<string, number>> {
    const found = await this.collection.find({ _id: { $in: [...consumers] } });
    return new Map(consumers.map((c) => [c, found.find((f) => f._id === c)?.position ?? 0]));
  }

  /** Only ever moves forward, so a late or repeated save cannot undo progress. */
  async save(consumer: string, position: number, now: Date = new Date()): Promise<void> {
    await this.collection.updateOne(
      { _id: consumer },
      { $max: { position }, $set: { updatedAt: now.toISOString() } },
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
