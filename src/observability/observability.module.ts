import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { LedgerMetrics } from './ledger-metrics';
import { MetricsController } from './metrics.controller';
import { Readiness } from './readiness';
import { StoreGauges } from './store-gauges';

/** Metrics, health and readiness, in every role. */
@Global()
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty', logger: false })],
  controllers: [HealthController, MetricsController],
  providers: [
    { provide: LedgerMetrics, useFactory: () => new LedgerMetrics() },
    StoreGauges,
    Readiness,
  ],
  exports: [LedgerMetrics, Readiness],
})
export class ObservabilityModule {}
