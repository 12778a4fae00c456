import { Module } from '@nestjs/common';
import { AccountHistory } from './account-history';
import { EventLog } from './event-log';
import { EventLogController } from './event-log.controller';
import { HistoryController } from './history.controller';

/**
 * For analysts: the global history with filters and NDJSON export, single streams, and time travel.
 * Everything answers from the event store (the ports module provides it), through the same
 * upcasting as every other reader, with the personal fields of what it answers opened (or shown
 * erased); nothing here writes.
 */
@Module({
  controllers: [EventLogController, HistoryController],
  providers: [EventLog, AccountHistory],
})
export class AnalyticsModule {}
