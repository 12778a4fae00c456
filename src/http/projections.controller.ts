import { Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { PROJECTIONS } from '../../projections';
import { Roles } from '../auth/auth.decorators';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port';
import { lagOf } from '../observability/lag';
import { ProjectionRebuilder } from '../projecting/projection-rebuilder';
import { ConsumerHost } from '../subscriptions/consumer-host';
import { CheckpointStore } from '../subscriptions/checkpoint-store';
import { ProjectionStatus, RebuildAccepted } from './dto/projection-answers.dto';
import { Refuses } from './openapi/refuses.decorator';

@ApiTags('projections')
@ApiBearerAuth()
@Controller('projections')
export class ProjectionsController {
  constructor(
    private readonly rebuilder: ProjectionRebuilder,
    private readonly checkpoints: CheckpointStore,
    private readonly consumers: ConsumerHost,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
  ) {}

  /** Every projection: checkpoint, head, lag, and whether it is live, rebuilding or failed. */
  @Get()
  @Roles('analyst', 'admin')
  @ApiOkResponse({ type: [ProjectionStatus] })
  async list() {
    const head = await this.eventStore.headPosition();
    const running = new Map(this.consumers.status().map((s) => [s.name, s]));
    return Promise.all(
      PROJECTIONS.map(async ({ name, version }) => {
        const position = await this.checkpoints.get(name);
        const rebuild = await this.rebuilder.status(name);
        const failure = running.get(name)?.state === 'failed' ? running.get(name) : undefined;
        const rebuilding =
          rebuild && (rebuild.state === 'requested' || rebuild.state === 'running');
        return {
          name,
          version,
          checkpoint: position,
          head,
          lag: await lagOf(this.eventStore, position, head),
          status:
            failure || rebuild?.state === 'failed' ? 'failed' : rebuilding ? 'rebuilding' : 'live',
          ...(failure ? { lastError: failure.lastError } : {}),
          ...(rebuild?.state === 'failed' ? { lastError: rebuild.error } : {}),
          ...(rebuilding ? { rebuild: progressOf(rebuild) } : {}),
        };
      }),
    );
  }

  /** Starts a zero-downtime rebuild; 409 while one is under way. */
  @Post(':name/rebuild')
  @HttpCode(202)
  @Roles('admin')
  @ApiAcceptedResponse({ type: RebuildAccepted, description: 'The rebuild is under way' })
  @Refuses('PROJECTION_NOT_FOUND', 'REBUILD_IN_PROGRESS')
  async rebuild(@Param('name') name: string) {
    const record = await this.rebuilder.request(name, 'requested over HTTP');
    return { name, state: record.state, requestedAt: record.requestedAt };
  }
}

function progressOf(record: { state: string; position: number; head: number; rate: number }) {
  const percent = record.head > 0 ? Math.min(100, (100 * record.position) / record.head) : 0;
  const etaSeconds =
    record.rate > 0 ? Math.max(0, (record.head - record.position) / record.rate) : null;
  return { state: record.state, position: record.position, head: record.head, percent, etaSeconds };
}
