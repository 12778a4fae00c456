import { Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators';
import { redriveDeadLetters } from '../dead-letters/dead-letter-redrive';
import { DEAD_LETTERS, type DeadLetters } from '../event-feed/dead-letters.port';
import { ProjectionConsumers } from '../projecting/projection-consumers';
import { LedgerError } from '../problems/ledger-error';
import { DeadLetterPage, RedriveOutcome } from './dto/projection-answers.dto';
import { Refuses } from './openapi/refuses.decorator';

/**
 * Events a read model could not apply, and their re-drive once the cause is fixed. Any api process
 * can re-drive: the projector's revision guards make it safe beside the live consumer.
 */
@ApiTags('projections')
@ApiBearerAuth()
@Controller('projections/:name/dead-letters')
export class DeadLettersController {
  constructor(
    private readonly consumers: ProjectionConsumers,
    @Inject(DEAD_LETTERS) private readonly deadLetters: DeadLetters,
  ) {}

  /** The projection's dead letters, oldest first. */
  @Get()
  @Roles('admin')
  @ApiOkResponse({ type: DeadLetterPage })
  @Refuses('PROJECTION_NOT_FOUND')
  async list(@Param('name') name: string) {
    const consumer = this.consumerNamed(name);
    const letters = await this.deadLetters.list(consumer.name);
    return {
      projection: consumer.name,
      items: letters.map(({ event, reason, deadAt }) => ({
        eventId: event.eventId,
        streamId: event.streamId,
        revision: event.revision,
        position: event.position,
        type: event.type,
        reason,
        deadAt,
      })),
    };
  }

  /** Hands every dead letter back to the projection; what applies now is removed. */
  @Post('redrive')
  @HttpCode(200)
  @Roles('admin')
  @ApiOkResponse({ type: RedriveOutcome })
  @Refuses('PROJECTION_NOT_FOUND')
  async redrive(@Param('name') name: string) {
    const consumer = this.consumerNamed(name);
    return { projection: consumer.name, ...(await redriveDeadLetters(consumer, this.deadLetters)) };
  }

  private consumerNamed(name: string) {
    const consumer = this.consumers.named(name);
    if (!consumer) throw new LedgerError('PROJECTION_NOT_FOUND', `No projection ${name}`);
    return consumer;
  }
}
