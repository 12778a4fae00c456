import { Module } from '@nestjs/common';
import { CloseAccountHandler } from '../commands/accounts/close-account.handler';
import { MoveMoneyHandler } from '../commands/accounts/move-money.handler';
import { OpenAccountHandler } from '../commands/accounts/open-account.handler';
import { SetOverdraftLimitHandler } from '../commands/accounts/set-overdraft-limit.handler';
import { CommandExecutor } from '../commands/command-executor';
import { RequestTransferHandler } from '../commands/transfers/request-transfer.handler';
import { AggregateLoader } from '../history/aggregate-loader';
import { aggregateState } from './aggregate-state.providers';

/**
 * The write side: load (snapshots and the state cache, see aggregate-state.providers.ts), decide,
 * append. The api sends it commands, and so does the projector's transfer process manager; in the
 * `all` role both share one state cache.
 */
@Module({
  providers: [
    ...aggregateState,
    CommandExecutor,
    OpenAccountHandler,
    MoveMoneyHandler,
    CloseAccountHandler,
    SetOverdraftLimitHandler,
    RequestTransferHandler,
  ],
  exports: [CommandExecutor, AggregateLoader],
})
export class CommandsModule {}
