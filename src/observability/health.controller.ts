import { partsOf } from '../config/role-parts';
import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Refuses } from '../http/openapi/refuses.decorator';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { PROJECTIONS } from '../../projections';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/app-config.token';
import { EVENT_PUBLISHER, type EventPublisher } from '../event-feed/event-publisher.port';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port';
import { READ_STORE, type ReadStore } from '../read-store/read-store.port';
import { CheckpointStore } from '../subscriptions/checkpoint-store';
import { Public } from '../auth/auth.decorators';
import { Readiness } from './readiness';
import { STORAGE_CHECKS, type StorageCheck } from './storage-check.port';

const CHECK_TIMEOUT_MS = 2000;
const LIVE = { type: 'object', required: ['status'], properties: { status: { enum: ['ok'] } } };

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly readiness: Readiness,
    private readonly checkpoints: CheckpointStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(STORAGE_CHECKS) private readonly storageChecks: StorageCheck[],
    @Optional() @Inject(EVENT_PUBLISHER) private readonly publisher?: EventPublisher,
  ) {}

  /** Liveness, kept from the first version for existing probes. */
  @Get()
  @ApiOkResponse({ schema: LIVE })
  live() {
    return { status: 'ok' };
  }

  /** The process runs and answers HTTP; says nothing about its dependencies. */
  @Get('live')
  @ApiOkResponse({ schema: LIVE })
  liveness() {
    return { status: 'ok' };
  }

  /** This role can do its job: its stores and broker answer, and its projections keep up. */
  @Get('ready')
  @HealthCheck()
  @Refuses('NOT_READY')
  ready() {
    const { relays, projects } = partsOf(this.config);
    const usesBroker =
      this.config.transport.kind === 'kafka' && (relays || projects) && this.publisher;
    return this.health.check([
      () =>
        this.readiness.isDraining
          ? this.indicators.check('accepting-work').down('shutting down')
          : this.indicators.check('accepting-work').up(),
      () =>
        this.indicators
          .check('event-store')
          .attempt(async () => ({ head: await this.eventStore.headPosition() }))
          .withTimeout(CHECK_TIMEOUT_MS),
      () =>
        this.indicators
          .check('read-store')
          .attempt(() => this.readStore.ping())
          .withTimeout(CHECK_TIMEOUT_MS),
      // The embedded stores' files: a commit reaches the disk, the files are still the ones
      // opened, the data folder has room.
      ...this.storageChecks.map(
        (check) => () =>
          this.indicators.check(check.name).attempt(check.run).withTimeout(CHECK_TIMEOUT_MS),
      ),
      ...(usesBroker
        ? [
            () =>
              this.indicators
                .check('broker')
                .attempt(() => this.publisher!.partitionEnds())
                .withTimeout(CHECK_TIMEOUT_MS),
          ]
        : []),
      ...(projects ? [() => this.projectionLag()] : []),
    ]);
  }

  private async projectionLag() {
    const indicator = this.indicators.check('projection-lag');
    const head = await this.eventStore.headPosition();
    const checkpoints = await this.checkpoints.getMany(PROJECTIONS.map((p) => p.name));
    const lag = Object.fromEntries(checkpoints.map((c) => [c._id, head - c.position]));
    const worst = Math.max(0, ...Object.values(lag));
    const bound = this.config.readyMaxLagEvents;
    return worst <= bound ? indicator.up({ lag, bound }) : indicator.down({ lag, bound });
  }
}
