import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  Optional,
} from '@nestjs/common';
import { LedgerMetrics } from '../observability/ledger-metrics';
import { SNAPSHOT_STORE, type Snapshot, type SnapshotStore } from './snapshot-store.port';

/**
 * Writes snapshots after the command that asked for one has been answered, one at a time, the
 * latest per stream: a command never waits for a snapshot, and a failed write only means the next
 * load reads a few more events.
 */
@Injectable()
export class SnapshotWriter implements BeforeApplicationShutdown {
  private readonly logger = new Logger(SnapshotWriter.name);
  private readonly pending = new Map<string, Snapshot>();
  private draining: Promise<void> | undefined;
  private closed = false;

  constructor(
    @Inject(SNAPSHOT_STORE) private readonly store: SnapshotStore,
    @Optional() private readonly metrics?: LedgerMetrics,
  ) {}

  schedule(snapshot: Snapshot): void {
    // Once closed the store behind may be gone; the next process writes this snapshot instead.
    if (this.closed) return;
    this.pending.set(snapshot.streamId, snapshot);
    this.start();
  }

  /** Resolves once every snapshot scheduled so far has been written (or has failed). */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /**
   * Writes what is pending, then takes no more: the read store closes once every module's
   * beforeApplicationShutdown has finished (see StoresLifecycle).
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private start(): void {
    if (this.draining) return;
    this.draining = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.drain())
      .finally(() => {
        this.draining = undefined;
        // Scheduled between the last write and this callback.
        if (this.pending.size > 0) this.start();
      });
  }

  private async drain(): Promise<void> {
    for (const [streamId, snapshot] of this.pending) {
      this.pending.delete(streamId);
      try {
        await this.store.save(snapshot);
        this.metrics?.snapshotsWritten.inc();
      } catch (error) {
        this.metrics?.snapshotWriteFailures.inc();
        this.logger.warn(`snapshot of ${streamId} not written: ${(error as Error).message}`);
      }
    }
  }
}
