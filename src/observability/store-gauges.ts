import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { PROJECTIONS } from '../../projections';
import type { TransferStatusDocument } from '../../projections/transfer-status.projection';
import { transferStatusProjection } from '../../projections/transfer-status.projection';
import { DEAD_LETTERS, type DeadLetters } from '../event-feed/dead-letters.port';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port';
import { READ_STORE, type ReadStore } from '../read-store/read-store.port';
import { CHECKPOINTS_COLLECTION, type Checkpoint } from '../subscriptions/checkpoint-store';
import { LedgerMetrics } from './ledger-metrics';
import { lagOf } from './lag';

/**
 * Gauges read from the stores at scrape time: the head of the global log, and for the relay and
 * every consumer how far behind it is, in events and in seconds since the oldest event it has not
 * handled was recorded. Any role can report them, because checkpoints live in the read store.
 */
@Injectable()
export class StoreGauges implements OnModuleInit {
  constructor(
    private readonly metrics: LedgerMetrics,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(DEAD_LETTERS) private readonly deadLetters: DeadLetters,
  ) {}

  onModuleInit(): void {
    const { metrics } = this;
    metrics.gauge('ledger_global_head_position', 'Position of the newest event', [], async (g) =>
      g.set(await this.eventStore.headPosition()),
    );
    metrics.gauge(
      'ledger_consumer_position',
      'Last global position each consumer (and the relay) has handled',
      ['consumer'],
      async (g) => {
        for (const checkpoint of await this.checkpoints()) {
          g.set({ consumer: checkpoint._id }, checkpoint.position);
        }
      },
    );
    metrics.gauge(
      'ledger_consumer_lag_events',
      'Events in the global log that each consumer has not handled yet',
      ['consumer'],
      async (g) => {
        for (const lag of await this.lags()) g.set({ consumer: lag.consumer }, lag.events);
      },
    );
    metrics.gauge(
      'ledger_consumer_lag_seconds',
      'Seconds since the oldest event each consumer has not handled was recorded (0 when none)',
      ['consumer'],
      async (g) => {
        for (const lag of await this.lags()) g.set({ consumer: lag.consumer }, lag.seconds);
      },
    );
    metrics.gauge(
      'ledger_dead_letters',
      'Events a consumer could not apply, waiting to be re-driven',
      ['consumer'],
      async (g) => {
        for (const { name } of PROJECTIONS) {
          g.set({ consumer: name }, (await this.deadLetters.list(name)).length);
        }
      },
    );
    metrics.gauge(
      'ledger_transfers_in_flight',
      'Transfers requested but not yet completed or failed',
      [],
      async (g) => g.set((await this.transfersInFlight()).length),
    );
    metrics.gauge(
      'ledger_transfer_oldest_in_flight_seconds',
      'Age of the oldest transfer in flight (0 when none)',
      [],
      async (g) => {
        const oldest = (await this.transfersInFlight())[0];
        g.set(oldest ? (Date.now() - Date.parse(oldest.requestedAt)) / 1000 : 0);
      },
    );
  }

  private checkpoints(): Promise<Checkpoint[]> {
    return this.readStore.collection<Checkpoint>(CHECKPOINTS_COLLECTION).find({});
  }

  private async lags() {
    const head = await this.eventStore.headPosition();
    const checkpoints = await this.checkpoints();
    return Promise.all(
      checkpoints.map(async (c) => ({
        consumer: c._id,
        ...(await lagOf(this.eventStore, c.position, head)),
      })),
    );
  }

  private transfersInFlight(): Promise<TransferStatusDocument[]> {
    return this.readStore
      .collection<TransferStatusDocument>(transferStatusProjection.collection)
      .find({ status: { $nin: ['completed', 'failed'] } }, { sort: { requestedAt: 1 } });
  }
}
