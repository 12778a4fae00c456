import { type DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { join } from 'node:path';
import { AccountLoader } from '../commands/accounts/account-loader';
import { CloseAccountHandler } from '../commands/accounts/close-account.handler';
import { MoveMoneyHandler } from '../commands/accounts/move-money.handler';
import { OpenAccountHandler } from '../commands/accounts/open-account.handler';
import { CommandExecutor } from '../commands/command-executor';
import { RequestTransferHandler } from '../commands/transfers/request-transfer.handler';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/app-config.token';
import { EVENT_FEED } from '../event-feed/event-feed.port';
import { EventStoreFeed } from '../event-feed/in-process/event-store-feed';
import { SqliteEventStore } from '../event-store/embedded/sqlite-event-store';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port';
import { AccountsController } from '../http/accounts.controller';
import { ConsistentReads } from '../http/consistent-reads';
import { HealthController } from '../http/health.controller';
import { IdempotencyRecordStore } from '../http/idempotency/idempotency-record.store';
import { TransfersController } from '../http/transfers.controller';
import { TransferProcessManager } from '../process-managers/transfer-process-manager';
import { AccountQueries } from '../queries/account-queries';
import { ReadYourWrites } from '../queries/read-your-writes';
import { SqliteReadStore } from '../read-store/embedded/sqlite-read-store';
import { READ_STORE } from '../read-store/read-store.port';
import { CheckpointStore } from '../subscriptions/checkpoint-store';
import { ConsumerHost } from '../subscriptions/consumer-host';
import { LedgerLifecycle } from './ledger-lifecycle';

const commandSide = [
  CommandExecutor,
  AccountLoader,
  OpenAccountHandler,
  MoveMoneyHandler,
  CloseAccountHandler,
  RequestTransferHandler,
];
const querySide = [AccountQueries, ReadYourWrites, ConsistentReads];
const eventProcessing = [CheckpointStore, ConsumerHost, TransferProcessManager, LedgerLifecycle];
const http = [IdempotencyRecordStore];

/** Binds each port to its adapter in one place, from the validated configuration. */
function adapters(config: AppConfig) {
  return [
    { provide: APP_CONFIG, useValue: config },
    {
      provide: EVENT_STORE,
      useFactory: () => new SqliteEventStore({ file: join(config.dataDir, 'events.sqlite') }),
    },
    {
      provide: READ_STORE,
      useFactory: () => new SqliteReadStore({ file: join(config.dataDir, 'read-models.sqlite') }),
    },
    {
      provide: EVENT_FEED,
      inject: [EVENT_STORE],
      useFactory: (store: EventStore) => new EventStoreFeed(store),
    },
  ];
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot()],
      controllers: [AccountsController, TransfersController, HealthController],
      providers: [...adapters(config), ...commandSide, ...querySide, ...eventProcessing, ...http],
    };
  }
}
