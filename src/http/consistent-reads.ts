import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/app-config.token';
import type { Projection } from '../projecting/projection';
import { LedgerMetrics } from '../observability/ledger-metrics';
import { ConsistencyTimeoutError } from '../queries/query.errors';
import { ReadYourWrites } from '../queries/read-your-writes';

/** Applies the `consistentWith` query parameter with the configured time bound. */
@Injectable()
export class ConsistentReads {
  constructor(
    private readonly readYourWrites: ReadYourWrites,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: LedgerMetrics,
  ) {}

  /** `readModels`: the projections whose documents the query reads. */
  async await(
    position: number | undefined,
    readModels: readonly Pick<Projection, 'name'>[],
  ): Promise<void> {
    if (position === undefined) return;
    try {
      await this.readYourWrites.waitFor(
        position,
        this.config.consistencyTimeoutMs,
        readModels.map((projection) => projection.name),
      );
      this.metrics.consistencyWaits.inc({ outcome: 'reached' });
    } catch (error) {
      if (error instanceof ConsistencyTimeoutError) {
        this.metrics.consistencyWaits.inc({ outcome: 'timeout' });
      }
      throw error;
    }
  }
}
