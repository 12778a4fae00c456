import { applyDecorators, Body, Get, Param, Post, Put, Query, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse } from '@nestjs/swagger';
import { mayActOnAccountOf, ownerScope, seesEveryAccount } from '../auth/access';
import { CurrentActor, Roles } from '../auth/auth.decorators';
import { ApiController } from './api-controller.decorator';
import type { Actor } from '../event-store/event-envelope';
import { LedgerError } from '../problems/ledger-error';
import type { ProblemCode } from '../problems/problem-catalog';
import type { Response } from 'express';
import { v5 as uuidv5 } from 'uuid';
import {
  type AccountSummary,
  accountSummaryProjection,
} from '../../projections/account-summary.projection';
import {
  type AccountTransaction,
  accountTransactionsProjection,
} from '../../projections/account-transactions.projection';
import { CloseAccountCommand } from '../commands/accounts/close-account.handler';
import { MoveMoneyCommand } from '../commands/accounts/move-money.handler';
import { OpenAccountCommand } from '../commands/accounts/open-account.handler';
import { SetOverdraftLimitCommand } from '../commands/accounts/set-overdraft-limit.handler';
import type { CommandContext } from '../commands/command-context';
import { AccountQueries } from '../queries/account-queries';
import { CommandCtx } from './command-context.decorator';
import { commandResponse } from './command-response';
import { ConsistentReads } from './consistent-reads';
import { MoneyMovementDto } from './dto/money-movement.dto';
import { OpenAccountDto } from './dto/open-account.dto';
import { OverdraftLimitDto } from './dto/overdraft-limit.dto';
import { ListAccountsQuery, PageQuery, ReadOptionsQuery } from './dto/page-query.dto';
import { CommandEndpoint } from './command-endpoint.decorator';
import {
  AccountCommandAnswer,
  AccountPage,
  AccountView,
  OpenAccountAnswer,
  TransactionPage,
} from './dto/account-answers.dto';
import { GetById } from './get-by-id.decorator';
import { Refuses } from './openapi/refuses.decorator';
import { ApiIdParam, IdParam } from './id-param.pipe';

const ACCOUNT_ID_NAMESPACE = '0d3b4c5e-7f81-4a2b-9c3d-4e5f60718293';

@ApiController('accounts', 'client', 'teller')
export class AccountsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queries: AccountQueries,
    private readonly consistentReads: ConsistentReads,
  ) {}

  @Post()
  @CommandEndpoint({
    status: 201,
    type: OpenAccountAnswer,
    description: 'Opened',
    location: true,
  })
  @Refuses(
    'ACCOUNT_ALREADY_EXISTS',
    'UNSUPPORTED_CURRENCY',
    'INVALID_OVERDRAFT_LIMIT',
    'AMOUNT_OUT_OF_RANGE',
    'FORBIDDEN',
    'OVERDRAFT_NOT_PERMITTED',
    'ACCOUNT_ID_NOT_PERMITTED',
  )
  async open(
    @Body() body: OpenAccountDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ) {
    if (!mayActOnAccountOf(context.actor, body.ownerId)) {
      throw new LedgerError('FORBIDDEN', 'Clients open accounts for themselves only');
    }
    // A chosen id that is taken would have to be refused, and that refusal would tell a client
    // that someone else's account exists: so only those who see every account choose ids.
    if (body.accountId !== undefined && !seesEveryAccount(context.actor)) {
      throw new LedgerError(
        'ACCOUNT_ID_NOT_PERMITTED',
        'Only a teller chooses an account id; leave accountId out and one is generated',
      );
    }
    // Derived from the command id, so a retry under the same Idempotency-Key names the same account.
    const accountId = body.accountId ?? uuidv5(context.commandId, ACCOUNT_ID_NAMESPACE);
    const result = await this.commandBus.execute(
      new OpenAccountCommand(
        accountId,
        body.ownerId,
        body.currency,
        body.overdraftLimit ?? 0,
        context,
      ),
    );
    response.setHeader('Location', `/accounts/${accountId}`);
    return commandResponse(response, result, { accountId, streamId: result.streamId });
  }

  /** Money from outside the ledger: tellers only (see mayBringMoneyIn). */
  @Post(':id/deposits')
  @Roles('teller')
  @AccountCommandEndpoint('Deposited', 'INVALID_AMOUNT', 'AMOUNT_OUT_OF_RANGE', 'FORBIDDEN')
  deposit(
    @Param('id', IdParam) accountId: string,
    @Body() body: MoneyMovementDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ) {
    return this.move('deposit', accountId, body, context, response);
  }

  @Post(':id/withdrawals')
  @AccountCommandEndpoint(
    'Withdrawn',
    'INVALID_AMOUNT',
    'AMOUNT_OUT_OF_RANGE',
    'INSUFFICIENT_FUNDS',
  )
  withdraw(
    @Param('id', IdParam) accountId: string,
    @Body() body: MoneyMovementDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ) {
    return this.move('withdrawal', accountId, body, context, response);
  }

  /** Credit is granted, changed or withdrawn by tellers and admins only (see mayGrantCredit). */
  @Put(':id/overdraft-limit')
  @Roles('teller', 'admin')
  @AccountCommandEndpoint(
    'Limit set',
    'INVALID_OVERDRAFT_LIMIT',
    'AMOUNT_OUT_OF_RANGE',
    'FORBIDDEN',
  )
  async setOverdraftLimit(
    @Param('id', IdParam) accountId: string,
    @Body() body: OverdraftLimitDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ) {
    const result = await this.commandBus.execute(
      new SetOverdraftLimitCommand(accountId, body.overdraftLimit, context),
    );
    return commandResponse(response, result, { accountId });
  }

  @Post(':id/close')
  @AccountCommandEndpoint('Closed', 'BALANCE_NOT_ZERO', 'TRANSFER_IN_FLIGHT')
  async close(
    @Param('id', IdParam) accountId: string,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ) {
    const result = await this.commandBus.execute(new CloseAccountCommand(accountId, context));
    return commandResponse(response, result, { accountId });
  }

  @Get()
  @ApiOkResponse({ type: AccountPage, description: 'By account id' })
  async list(@Query() query: ListAccountsQuery, @CurrentActor() actor: Actor) {
    await this.consistentReads.await(query.consistentWith, [accountSummaryProjection]);
    const scope = ownerScope(actor);
    if (scope !== undefined && query.ownerId !== undefined && query.ownerId !== scope) {
      return { items: [], nextCursor: null };
    }
    const page = await this.queries.accounts(
      { ownerId: scope ?? query.ownerId, status: query.status },
      query.limit,
      query.cursor,
    );
    return { ...page, items: page.items.map(accountView) };
  }

  @GetById(AccountView, 'ACCOUNT_NOT_FOUND')
  async get(
    @Param('id', IdParam) accountId: string,
    @Query() query: ReadOptionsQuery,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) response: Response,
  ) {
    await this.consistentReads.await(query.consistentWith, [accountSummaryProjection]);
    const account = await this.queries.account(accountId, ownerScope(actor));
    response.setHeader('ETag', `"${account.revision}"`);
    return accountView(account);
  }

  @Get(':id/transactions')
  @ApiOkResponse({ type: TransactionPage, description: 'Newest first, with running balance' })
  @ApiIdParam()
  @Refuses('ACCOUNT_NOT_FOUND')
  async transactions(
    @Param('id', IdParam) accountId: string,
    @Query() query: PageQuery,
    @CurrentActor() actor: Actor,
  ) {
    // The account's existence and owner come from its summary.
    await this.consistentReads.await(query.consistentWith, [
      accountTransactionsProjection,
      accountSummaryProjection,
    ]);
    const page = await this.queries.transactions(
      accountId,
      ownerScope(actor),
      query.limit,
      query.cursor,
    );
    return { ...page, items: page.items.map(transactionView) };
  }

  private async move(
    direction: 'deposit' | 'withdrawal',
    accountId: string,
    body: MoneyMovementDto,
    context: CommandContext,
    response: Response,
  ) {
    const result = await this.commandBus.execute(
      new MoveMoneyCommand(direction, accountId, body.amount, body.reference, context),
    );
    return commandResponse(response, result, { accountId });
  }
}

/**
 * What every command on an existing account shares: the account id in the path, the refusals of
 * an account that is not there or closed, and its answer (the description says what was done).
 */
function AccountCommandEndpoint(description: string, ...refusals: ProblemCode[]) {
  return applyDecorators(
    CommandEndpoint({ status: 200, type: AccountCommandAnswer, description }),
    ApiIdParam(),
    Refuses('ACCOUNT_NOT_FOUND', 'ACCOUNT_CLOSED', ...refusals),
  );
}

function accountView({ _id, ...summary }: AccountSummary) {
  return summary;
}

function transactionView({ _id, ...transaction }: AccountTransaction) {
  return transaction;
}
