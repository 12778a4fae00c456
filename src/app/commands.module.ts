import { Module } from '@nestjs/common';
import { AccountLoader } from '../commands/accounts/account-loader';
import { CloseAccountHandler } from '../commands/accounts/close-account.handler';
import { MoveMoneyHandler } from '../commands/accounts/move-money.handler';
import { OpenAccountHandler } from '../commands/accounts/open-account.handler';
import { CommandExecutor } from '../commands/command-executor';
import { RequestTransferHandler } from '../commands/transfers/request-transfer.handler';

/** The write side: load, decide, append. The api sends it commands, and so does the projector's transfer process manager. */
@Module({
  providers: [
    CommandExecutor,
    AccountLoader,
    OpenAccountHandler,
    MoveMoneyHandler,
    CloseAccountHandler,
    RequestTransferHandler,
  ],
  exports: [CommandExecutor],
})
export class CommandsModule {}
