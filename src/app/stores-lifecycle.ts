import {
  Inject,
  Injectable,
  type OnModuleInit,
  type OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { PROJECTIONS } from '../../projections';
import { EVENT_PUBLISHER, type EventPublisher } from '../event-feed/event-publisher.port';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port';
import { READ_STORE, type ReadStore } from '../read-store/read-store.port';
import { SUBJECT_KEY_STORE, type SubjectKeyStore } from '../privacy/subject-key-store.port';

/**
 * The stores' part of start-up and shutdown, in every role: read-model indexes at module init,
 * before any part starts at bootstrap, and the connections closed last. Everything that uses the stores stops in
 * `beforeApplicationShutdown`, which Nest finishes for every module before this hook runs.
 */
@Injectable()
export class StoresLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(SUBJECT_KEY_STORE) private readonly keys: SubjectKeyStore,
    @Optional() @Inject(EVENT_PUBLISHER) private readonly publisher?: EventPublisher,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const projection of PROJECTIONS) {
      for (const index of projection.indexes) {
        await this.readStore.collection(projection.collection).createIndex(index);
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher?.close();
    await this.eventStore.close();
    await this.readStore.close();
    await this.keys.close();
  }
}
