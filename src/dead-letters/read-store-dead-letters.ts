import type { DeadLetter, DeadLetters } from '../event-feed/dead-letters.port';
import type { EventEnvelope } from '../event-store/event-envelope';
import type { ReadDocument, ReadStore } from '../read-store/read-store.port';

interface DeadLetterDocument extends ReadDocument, DeadLetter {}

/**
 * Dead letters kept in the read store, one per consumer and event, whatever the transport: any
 * process with the projection code can re-drive them.
 */
export class ReadStoreDeadLetters implements DeadLetters {
  constructor(private readonly readStore: ReadStore) {}

  private get collection() {
    return this.readStore.collection<DeadLetterDocument>('dead_letters');
  }

  async record(consumer: string, event: EventEnvelope, reason: string): Promise<void> {
    await this.collection.replaceOne(
      { _id: `${consumer}:${event.eventId}` },
      {
        _id: `${consumer}:${event.eventId}`,
        consumer,
        event,
        reason,
        deadAt: new Date().toISOString(),
      },
      { upsert: true },
    );
  }

  async list(consumer: string): Promise<DeadLetter[]> {
    const documents = await this.collection.find({ consumer }, { sort: { 'event.position': 1 } });
    return documents.map(({ _id, ...letter }) => letter);
  }

  async remove(consumer: string, eventId: string): Promise<void> {
    await this.collection.deleteMany({ _id: `${consumer}:${eventId}` });
  }
}
