import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { PROJECTIONS } from '../../projections';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port';
import { ProjectionConsumer } from '../projecting/projection-consumer';
import { TransferProcessManager } from '../process-managers/transfer-process-manager';
import { ReadYourWrites } from '../queries/read-your-writes';
import { READ_STORE, type ReadStore } from '../read-store/read-store.port';
import { ConsumerHost } from '../subscriptions/consumer-host';

/**
 * Start-up and shutdown in a fixed order: indexes before consumers start; consumers stopped (their
 * last checkpoint saved) before the stores close.
 */
@Injectable()
export class LedgerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LedgerLifecycle.name);

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    private readonly consumers: ConsumerHost,
    private readonly transfers: TransferProcessManager,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const projection of PROJECTIONS) {
      for (const index of projection.indexes) {
        await this.readStore.collection(projection.collection).createIndex(index);
      }
    }
    this.readYourWrites.waitOn(PROJECTIONS.map((projection) => projection.name));
    for (const projection of PROJECTIONS) {
      this.consumers.start(new ProjectionConsumer(projection, this.readStore));
    }
    this.consumers.start(this.transfers);
  }

  async onApplicationShutdown(signal?: string): Promise<void> {
    if (signal) this.logger.log(`Shutting down on ${signal}`);
    await this.consumers.stopAll();
    await this.eventStore.close();
    await this.readStore.close();
  }
}
