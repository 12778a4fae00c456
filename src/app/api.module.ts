import { Module } from '@nestjs/common';
import { AnalyticsModule } from '../analytics/analytics.module';
import { AuditModule } from '../audit/audit.module';
import { AccountsController } from '../http/accounts.controller';
import { ConsistentReads } from '../http/consistent-reads';
import { DeadLettersController } from '../http/dead-letters.controller';
import { IdempotencyRecordStore } from '../http/idempotency/idempotency-record.store';
import { ProjectionsController } from '../http/projections.controller';
import { TransfersController } from '../http/transfers.controller';
import { PrivacyModule } from '../privacy/privacy.module';
import { AccountQueries } from '../queries/account-queries';
import { ReadYourWrites } from '../queries/read-your-writes';
import { CommandsModule } from './commands.module';
import { ProjectingModule } from './projecting.module';

/** The `api` role: HTTP commands and queries, analytics and audit. It starts nothing in the background. */
@Module({
  imports: [CommandsModule, ProjectingModule, AnalyticsModule, AuditModule, PrivacyModule],
  controllers: [
    AccountsController,
    TransfersController,
    ProjectionsController,
    DeadLettersController,
  ],
  providers: [AccountQueries, ReadYourWrites, ConsistentReads, IdempotencyRecordStore],
})
export class ApiModule {}
