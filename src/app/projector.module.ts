import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/app-config.token';
import { ensureTopic } from '../event-feed/kafka/kafka-topics';
import { ProjectionConsumers } from '../projecting/projection-consumers';
import { ProjectionRebuilder } from '../projecting/projection-rebuilder';
import { TransferProcessManager } from '../process-managers/transfer-process-manager';
import { ConsumerHost } from '../subscriptions/consumer-host';
import { CommandsModule } from './commands.module';
import { FatalFailure } from './fatal-failure';
import { ProjectingModule } from './projecting.module';

/**
 * Starts every projection and the transfer process manager on the feed. A projection whose code
 * version changed waits for its rebuild before its live consumer starts. The consumer host stops
 * the consumers (checkpoints saved) in its own shutdown hook.
 */
@Injectable()
export class ProjectorRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('LedgerLifecycle');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly host: ConsumerHost,
    private readonly projections: ProjectionConsumers,
    private readonly transfers: TransferProcessManager,
    private readonly rebuilder: ProjectionRebuilder,
    private readonly fatal: FatalFailure,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { transport } = this.config;
    if (transport.kind === 'kafka') {
      await ensureTopic(transport.brokers, transport.topic, transport.partitions, {
        security: transport.security,
      });
    }
    const held = await this.rebuilder.requestForChangedVersions();
    for (const consumer of this.projections.all()) {
      if (!held.includes(consumer.name)) {
        this.host.start(consumer);
        continue;
      }
      this.logger.log(`${consumer.name} changed version: live consumer waits for its rebuild`);
      void this.rebuilder
        .finished(consumer.name)
        .then(() => this.host.start(consumer))
        .catch((error: unknown) => this.fatal.fail((error as Error).message));
    }
    this.host.start(this.transfers);
    this.rebuilder.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.rebuilder.stop();
  }
}

/** The `projector` role: read models and the transfer process manager, fed by the event feed. */
@Module({
  imports: [CommandsModule, ProjectingModule],
  providers: [TransferProcessManager, ProjectorRunner],
})
export class ProjectorModule {}
