import { type DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { LoggerModule } from 'nestjs-pino';
import { AuthModule } from '../auth/auth.module';
import type { AppConfig } from '../config/app-config';
import { partsOf } from '../config/role-parts';
import { loggingOptions } from '../observability/logging';
import { ObservabilityModule } from '../observability/observability.module';
import { ApiModule } from './api.module';
import { PortsModule } from './ports.module';
import { ProjectorModule } from './projector.module';
import { RelayModule } from './relay.module';

/**
 * One build, four roles: `api` serves HTTP commands and queries, `relay` copies the event log to
 * Kafka, `projector` runs projections and the transfer process manager, `all` composes the three
 * (see partsOf for the matrix).
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    const parts = partsOf(config);
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot(loggingOptions(config)),
        PortsModule.forRoot(config),
        CqrsModule.forRoot(),
        ObservabilityModule,
        AuthModule,
        ...(parts.servesApi ? [ApiModule] : []),
        ...(parts.relays ? [RelayModule] : []),
        ...(parts.projects ? [ProjectorModule] : []),
      ],
    };
  }
}
