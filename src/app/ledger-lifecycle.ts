import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { PROJECTIONS } from '../../projections';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/app-config.token';
import { EVENT_PUBLISHER, type EventPublisher } from '../event-feed/event-publisher.port';
import { ensureTopic } from '../event-feed/kafka/kafka-topics';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port';
import { ProjectionConsumers } from '../projecting/projection-consumers';
import { ProjectionRebuilder } from '../projecting/projection-rebuilder';
import { TransferProcessManager } from '../process-managers/transfer-process-manager';
import { ReadYourWrites } from '../queries/read-your-writes';
import { READ_STORE, type ReadStore } from '../read-store/read-store.port';
import { EventRelay, RELAY_NAME } from '../relay/event-relay';
import { ConsumerHost } from '../subscriptions/consumer-host';

/**
 * Start-up and shutdown in a fixed order: topic and indexes before anything runs; on the way out,
 * the relay and consumers stop (their last checkpoints saved) before the stores close.
 */
@Injectable()
export class LedgerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LedgerLifecycle.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    private readonly consumers: ConsumerHost,
    private readonly transfers: TransferProcessManager,
    private readonly readYourWrites: ReadYourWrites,
    private readonly rebuilder: ProjectionRebuilder,
    private readonly projectionConsumers: ProjectionConsumers,
    @Optional() private readonly relay?: EventRelay,
    @Optional() @Inject(EVENT_PUBLISHER) private readonly publisher?: EventPublisher,
  ) {}

  private get projects(): boolean {
    return this.config.role === 'all' || this.config.role === 'projector';
  }

  private get relays(): boolean {
    return this.relay !== undefined && (this.config.role === 'all' || this.config.role === 'relay');
  }

  async onApplicationBootstrap(): Promise<void> {
    const { transport } = this.config;
    if (transport.kind === 'kafka' && (this.projects || this.relays)) {
      await ensureTopic(transport.brokers, transport.topic, transport.partitions);
    }
    for (const projection of PROJECTIONS) {
      for (const index of projection.indexes) {
        await this.readStore.collection(projection.collection).createIndex(index);
      }
    }
    this.readYourWrites.configure({
      consumers: PROJECTIONS.map((projection) => projection.name),
      ...(transport.kind === 'kafka' ? { relay: RELAY_NAME } : {}),
    });
    this.consumers.onGiveUp((consumer) => this.fail(`${consumer} keeps failing`));
    if (this.relays) this.relay!.start();
    if (this.projects) {
      const held = await this.rebuilder.requestForChangedVersions();
      for (const consumer of this.projectionConsumers.all()) {
        if (!held.includes(consumer.name)) {
          this.consumers.start(consumer);
          continue;
        }
        this.logger.log(`${consumer.name} changed version: live consumer waits for its rebuild`);
        void this.rebuilder
          .finished(consumer.name)
          .then(() => this.consumers.start(consumer))
          .catch((error: unknown) => this.fail((error as Error).message));
      }
      this.consumers.start(this.transfers);
      this.rebuilder.start();
    }
    this.logger.log(`running as ${this.config.role}`);
  }

  /** Exits non-zero, so that a supervisor restarts the process with fresh connections. */
  private fail(reason: string): void {
    this.logger.error(`${reason}; giving up`);
    if (!this.config.exitOnFatalError) return;
    process.exitCode = 1;
    process.kill(process.pid, 'SIGTERM');
  }

  async onApplicationShutdown(signal?: string): Promise<void> {
    if (signal) this.logger.log(`Shutting down on ${signal}`);
    await this.relay?.stop();
    await this.rebuilder.stop();
    await this.consumers.stopAll();
    await this.publisher?.close();
    await this.eventStore.close();
    await this.readStore.close();
  }
}
