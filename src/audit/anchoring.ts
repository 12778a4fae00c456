import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { type EventStore, STORED_EVENT_STORE } from '../event-store/event-store.port';
import { logPages } from '../history/log-pages';
import { AnchorStore, type AnchorRun, isLegacyAnchor, type SkippedStream } from './anchor-store';
import { AUDIT_CONFIG, type AuditConfig } from './audit-config';
import { ChainVerifier } from './chain-verifier';

const SCAN_PAGE_SIZE = 1000;

/**
 * Signs the head (revision and hash) of every stream that changed since the last pass, after
 * checking that what was appended since its previous anchor chains on from it, so that a broken
 * stream is never vouched for. Runs every AUDIT_ANCHOR_INTERVAL_MS and on request, one pass at a
 * time. Each pass reads the global log from where the previous one stopped.
 */
@Injectable()
export class Anchoring implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(Anchoring.name);
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(STORED_EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(AUDIT_CONFIG) private readonly config: AuditConfig,
    private readonly anchors: AnchorStore,
    private readonly verifier: ChainVerifier,
  ) {}

  onApplicationBootstrap(): void {
    this.logger.log(
      `anchor signing key ${this.config.anchorKeys.currentKeyId} (Ed25519) from ${this.config.anchorKeySource}; ` +
        (this.config.anchorIntervalMs > 0
          ? `anchoring every ${this.config.anchorIntervalMs} ms`
          : 'anchoring on request only'),
    );
    this.schedule();
  }

  /** Stops the timer and waits for a pass in flight, before the stores close. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.queue.catch(() => undefined);
  }

  /** One pass, after any pass already running. */
  anchorNow(trigger: AnchorRun['trigger'] = 'request'): Promise<AnchorRun> {
    const run = this.queue.then(() => this.pass(trigger));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private schedule(): void {
    if (this.stopped || this.config.anchorIntervalMs === 0) return;
    this.timer = setTimeout(() => {
      this.anchorNow('schedule')
        .catch((error: unknown) =>
          this.logger.error(
            `anchoring failed: ${error instanceof Error ? error.message : String(error)}`,
          ),
        )
        .finally(() => this.schedule());
    }, this.config.anchorIntervalMs);
    this.timer.unref();
  }

  private async pass(trigger: AnchorRun['trigger']): Promise<AnchorRun> {
    const anchoredAt = new Date().toISOString();
    const runId = `${anchoredAt}~${randomUUID()}`;
    const afterPosition = await this.anchors.checkpointPosition();
    const { streams, throughPosition } = await this.changedStreams(afterPosition);
    for (const legacy of await this.anchors.legacy()) streams.add(legacy.streamId);
    const skipped: SkippedStream[] = [];
    let streamsAnchored = 0;
    for (const streamId of streams) {
      if (this.stopped) break;
      const previous = await this.anchors.latest(streamId);
      const checked = await this.verifier.verifySince(streamId, previous);
      if (!checked) continue;
      if (!checked.ok) {
        skipped.push({ streamId, revision: checked.revision, reason: checked.reason });
        continue;
      }
      if (previous && !isLegacyAnchor(previous) && previous.revision === checked.headRevision) {
        continue;
      }
      const head = {
        streamId,
        revision: checked.headRevision,
        hash: checked.headHash,
        anchoredAt,
      };
      if (await this.anchors.record(head, runId)) streamsAnchored++;
    }
    const run: AnchorRun = {
      _id: runId,
      trigger,
      anchoredAt,
      afterPosition,
      // A pass stopped by shutdown leaves the checkpoint where it was: the next one redoes it.
      throughPosition: this.stopped ? afterPosition : throughPosition,
      streamsSeen: streams.size,
      streamsAnchored,
      skipped,
    };
    await this.anchors.saveRun(run);
    for (const { streamId, revision, reason } of skipped) {
      this.logger.error(`not anchoring ${streamId}: ${reason} at revision ${revision}`);
    }
    return run;
  }

  /** The streams with events after `after`, up to the head of the log as it was at the start. */
  private async changedStreams(
    after: number,
  ): Promise<{ streams: Set<string>; throughPosition: number }> {
    const head = await this.eventStore.headPosition();
    const streams = new Set<string>();
    let through = after;
    for await (const page of logPages(this.eventStore, after, {
      until: head,
      pageSize: SCAN_PAGE_SIZE,
    })) {
      if (this.stopped) break;
      for (const event of page) streams.add(event.streamId);
      through = page[page.length - 1].position;
    }
    return { streams, throughPosition: through };
  }
}
