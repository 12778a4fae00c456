import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/app-config.token';
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

  async await(position: number | undefined): Promise<void> {
    if (position === undefined) return;
    try {
      await this.readYourWrites.waitFor(position, this.config.consistencyTimeoutMs);
      this.metrics.consistencyWaits.inc({ outcome: 'reached' });
    } catch (error) {
      if (error instanceof ConsistencyTimeoutError) {
        this.metrics.consistencyWaits.inc({ outcome: 'timeout' });
      }
      throw error;
    }
  }
}
