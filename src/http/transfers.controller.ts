import { Body, Param, Post, Query, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ownerScope } from '../auth/access';
import { CurrentActor } from '../auth/auth.decorators';
import { ApiController } from './api-controller.decorator';
import type { Actor } from '../event-store/event-envelope';
import type { Response } from 'express';
import { v5 as uuidv5 } from 'uuid';
import { accountSummaryProjection } from '../../projections/account-summary.projection';
import {
  type TransferStatusDocument,
  transferStatusProjection,
} from '../../projections/transfer-status.projection';
import type { CommandContext } from '../commands/command-context';
import { RequestTransferCommand } from '../commands/transfers/request-transfer.handler';
import { AccountQueries } from '../queries/account-queries';
import { CommandCtx } from './command-context.decorator';
import { commandResponse } from './command-response';
import { ConsistentReads } from './consistent-reads';
import { ReadOptionsQuery } from './dto/page-query.dto';
import { RequestTransferDto } from './dto/request-transfer.dto';
import { IdParam } from './id-param.pipe';
import { CommandEndpoint } from './command-endpoint.decorator';
import { TransferAnswer, TransferView } from './dto/transfer-answers.dto';
import { GetById } from './get-by-id.decorator';
import { Refuses } from './openapi/refuses.decorator';

const TRANSFER_ID_NAMESPACE = '3c9e1f2a-6b7d-4e8f-a1b2-c3d4e5f60718';

@ApiController('transfers', 'client', 'teller')
export class TransfersController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queries: AccountQueries,
    private readonly consistentReads: ConsistentReads,
  ) {}

  /** Accepted, not done: the transfer process manager moves the money; poll GET /transfers/{id}. */
  @Post()
  @CommandEndpoint({
    status: 202,
    type: TransferAnswer,
    description: 'Accepted; poll the Location for the outcome',
    location: true,
  })
  @Refuses(
    'TRANSFER_ALREADY_EXISTS',
    'INVALID_AMOUNT',
    'AMOUNT_OUT_OF_RANGE',
    'SAME_ACCOUNT_TRANSFER',
    'ACCOUNT_NOT_FOUND',
    'CURRENCY_MISMATCH',
  )
  async request(
    @Body() body: RequestTransferDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ) {
    const transferId = uuidv5(context.commandId, TRANSFER_ID_NAMESPACE);
    const result = await this.commandBus.execute(
      new RequestTransferCommand(
        transferId,
        body.fromAccountId,
        body.toAccountId,
        body.amount,
        body.reference,
        context,
      ),
    );
    response.setHeader('Location', `/transfers/${transferId}`);
    return commandResponse(response, result, { transferId, status: 'requested' });
  }

  @GetById(TransferView, 'TRANSFER_NOT_FOUND')
  async get(
    @Param('id', IdParam) transferId: string,
    @Query() query: ReadOptionsQuery,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) response: Response,
  ) {
    // Who may see which side of the transfer comes from the accounts' summaries.
    await this.consistentReads.await(query.consistentWith, [
      transferStatusProjection,
      accountSummaryProjection,
    ]);
    const scope = ownerScope(actor);
    const transfer = await this.queries.transfer(transferId, scope);
    response.setHeader('ETag', `"${transfer.revision}"`);
    return transferView(scope === undefined ? transfer : await this.asSeenBy(scope, transfer));
  }

  /**
   * Why a transfer failed is told in full only about accounts the caller may see: a refusal by
   * someone else's account (or by no account at all) reads DEBIT_REFUSED or CREDIT_REFUSED, so a
   * transfer cannot be used to learn whether an account exists, is closed or holds a currency.
   */
  private async asSeenBy(owner: string, transfer: TransferStatusDocument) {
    if (transfer.failureReason === undefined) return transfer;
    const side = transfer.refunded ? transfer.toAccountId : transfer.fromAccountId;
    if (await this.queries.ownsAccount(side, owner)) return transfer;
    return { ...transfer, failureReason: transfer.refunded ? 'CREDIT_REFUSED' : 'DEBIT_REFUSED' };
  }
}

function transferView({ _id, ...transfer }: TransferStatusDocument) {
  return transfer;
}
