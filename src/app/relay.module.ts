import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/app-config.token';
import { ensureTopic } from '../event-feed/kafka/kafka-topics';
import { EventRelay } from '../relay/event-relay';

/** Starts the relay once the topic exists; stops it (its checkpoint saved) before the stores close. */
@Injectable()
export class RelayRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly relay: EventRelay,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { transport } = this.config;
    if (transport.kind === 'kafka') {
      await ensureTopic(transport.brokers, transport.topic, transport.partitions, {
        security: transport.security,
      });
    }
    this.relay.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.relay.stop();
  }
}

/** The `relay` role: the event store's global log copied to Kafka. */
@Module({ providers: [EventRelay, RelayRunner] })
export class RelayModule {}
