import { type DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AnalyticsModule } from '../analytics/analytics.module';
import { AuditModule } from '../audit/audit.module';
import { AccountLoader } from '../commands/accounts/account-loader';
import { CloseAccountHandler } from '../commands/accounts/close-account.handler';
import { MoveMoneyHandler } from '../commands/accounts/move-money.handler';
import { OpenAccountHandler } from '../commands/accounts/open-account.handler';
import { CommandExecutor } from '../commands/command-executor';
import { RequestTransferHandler } from '../commands/transfers/request-transfer.handler';
import type { AppConfig } from '../config/app-config';
import { AccountsController } from '../http/accounts.controller';
import { ConsistentReads } from '../http/consistent-reads';
import { IdempotencyRecordStore } from '../http/idempotency/idempotency-record.store';
import { TransfersController } from '../http/transfers.controller';
import { ProjectionsController } from '../http/projections.controller';
import { DeadLettersController } from '../http/dead-letters.controller';
import { ProjectionConsumers } from '../projecting/projection-consumers';
import { ProjectionRebuilder } from '../projecting/projection-rebuilder';
import { TransferProcessManager } from '../process-managers/transfer-process-manager';
import { AccountQueries } from '../queries/account-queries';
import { ReadYourWrites } from '../queries/read-your-writes';
import { EventRelay } from '../relay/event-relay';
import { ConsumerHost } from '../subscriptions/consumer-host';
import { LedgerLifecycle } from './ledger-lifecycle';
import { PortsModule } from './ports.module';
import { LoggerModule } from 'nestjs-pino';
import { AuthModule } from '../auth/auth.module';
import { loggingOptions } from '../observability/logging';
import { ObservabilityModule } from '../observability/observability.module';

const commandSide = [
  CommandExecutor,
  AccountLoader,
  OpenAccountHandler,
  MoveMoneyHandler,
  CloseAccountHandler,
  RequestTransferHandler,
];
const querySide = [AccountQueries, ReadYourWrites, ConsistentReads, IdempotencyRecordStore];
const eventProcessing = [
  ConsumerHost,
  ProjectionConsumers,
  TransferProcessManager,
  ProjectionRebuilder,
  LedgerLifecycle,
];

/**
 * One build, four roles: `api` serves HTTP commands and queries, `relay` copies the event log to
 * Kafka, `projector` runs projections and the transfer process manager, `all` does everything.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    const servesApi = config.role === 'all' || config.role === 'api';
    const relays = config.transport.kind === 'kafka';
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot(loggingOptions(config)),
        PortsModule.forRoot(config),
        CqrsModule.forRoot(),
        ObservabilityModule,
        AuthModule,
        ...(servesApi ? [AnalyticsModule] : []),
        ...(servesApi ? [AuditModule] : []),
      ],
      controllers: servesApi
        ? [AccountsController, TransfersController, ProjectionsController, DeadLettersController]
        : [],
      providers: [
        ...commandSide,
        ...querySide,
        ...eventProcessing,
        ...(relays ? [EventRelay] : []),
      ],
    };
  }
}
