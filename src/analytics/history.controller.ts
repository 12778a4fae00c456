import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Refuses } from '../http/openapi/refuses.decorator';
import { BalancesPage, HistoricAccountView } from './dto/event-answers.dto';
import type { AccountSummary } from '../../projections/account-summary.projection';
import { Roles } from '../auth/auth.decorators';
import { ApiIdParam, IdParam } from '../http/id-param.pipe';
import { AccountHistory } from './account-history';
import { DEFAULT_PAGE_SIZE } from './dto/history-page.dto';
import { AccountHistoryQuery, BalancesQuery } from './dto/history.dto';
import { toEpochMs } from './dto/validators';

/** Time travel: accounts as they were, folded from the event store. */
@ApiTags('analytics')
@ApiBearerAuth()
// Read-only history of every account: for analysts and auditors, never for account holders.
@Roles('analyst', 'auditor')
@Controller('history')
export class HistoryController {
  constructor(private readonly history: AccountHistory) {}

  /** The account summary as of a time or a stream revision (default: now), plus `asOfRevision`. */
  @Get('accounts/:id')
  @ApiOkResponse({ type: HistoricAccountView })
  @ApiIdParam()
  @Refuses('ACCOUNT_NOT_FOUND', 'STREAM_DELETED')
  async account(@Param('id', IdParam) accountId: string, @Query() query: AccountHistoryQuery) {
    const point =
      query.asOfRevision !== undefined
        ? { asOfRevision: query.asOfRevision }
        : { asOf: query.asOf === undefined ? Infinity : toEpochMs(query.asOf) };
    return historicView(await this.history.account(accountId, point));
  }

  /** Every account's (or one owner's) summary as of a time, paged by account id. */
  @Get('balances')
  @ApiOkResponse({ type: BalancesPage })
  async balances(@Query() query: BalancesQuery) {
    const asOf = query.asOf === undefined ? Date.now() : toEpochMs(query.asOf);
    const page = await this.history.balances(
      asOf,
      { ownerId: query.ownerId },
      query.limit ?? DEFAULT_PAGE_SIZE,
      query.cursor,
    );
    return {
      asOf: new Date(asOf).toISOString(),
      asOfPosition: page.asOfPosition,
      items: page.items.map(historicView),
      nextCursor: page.nextCursor,
    };
  }
}

/** The live read model's view (GET /accounts/{id}) and the revision it reflects. */
function historicView({ _id, ...summary }: AccountSummary) {
  return { ...summary, asOfRevision: summary.revision };
}
