import { Inject, Injectable } from '@nestjs/common';
import canonicalize from 'canonicalize';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DuplicateKeyError } from '../read-store/read-store.errors';
import { READ_STORE, type ReadDocument, type ReadStore } from '../read-store/read-store.port';
import { AUDIT_CONFIG, type AuditConfig } from './audit-config';

export const ANCHORS_COLLECTION = 'audit_anchors';
export const ANCHOR_RUNS_COLLECTION = 'audit_anchor_runs';
/** One document: the global position up to which anchoring has looked at the log. */
export const ANCHOR_CHECKPOINT_COLLECTION = 'audit_anchor_checkpoint';
const CHECKPOINT_ID = 'anchors';

interface AnchorCheckpoint extends ReadDocument {
  position: number;
  updatedAt: string;
}

/** What an anchor vouches for: a stream's head at a moment. */
export interface AnchoredHead {
  streamId: string;
  revision: number;
  hash: string;
  anchoredAt: string;
}

/**
 * The latest anchor of one stream (one document per stream, `_id` = stream id). `signature` is
 * HMAC-SHA256, hex, over the RFC 8785 canonical JSON of exactly the AnchoredHead fields.
 */
export interface StreamAnchor extends ReadDocument, AnchoredHead {
  keyId: string;
  signature: string;
  runId: string;
}

export interface SkippedStream {
  streamId: string;
  revision: number;
  reason: string;
}

/** One anchoring pass that found changed streams (idle passes leave no document). */
export interface AnchorRun extends ReadDocument {
  trigger: 'schedule' | 'request';
  anchoredAt: string;
  afterPosition: number;
  throughPosition: number;
  streamsSeen: number;
  streamsAnchored: number;
  skipped: SkippedStream[];
}

/** At most this many skipped streams are listed in a run document (all are counted in logs). */
const MAX_SKIPPED_LISTED = 100;

@Injectable()
export class AnchorStore {
  constructor(
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(AUDIT_CONFIG) private readonly config: AuditConfig,
  ) {}

  private get anchors() {
    return this.readStore.collection<StreamAnchor>(ANCHORS_COLLECTION);
  }

  private get runs() {
    return this.readStore.collection<AnchorRun>(ANCHOR_RUNS_COLLECTION);
  }

  latest(streamId: string): Promise<StreamAnchor | null> {
    return this.anchors.findOne({ _id: streamId });
  }

  /** Every anchored stream's latest anchor; one document per stream. */
  all(): Promise<StreamAnchor[]> {
    return this.anchors.find({});
  }

  sign(head: AnchoredHead): string {
    const { streamId, revision, hash, anchoredAt } = head;
    return createHmac('sha256', this.config.anchorKey)
      .update(canonicalize({ streamId, revision, hash, anchoredAt })!, 'utf8')
      .digest('hex');
  }

  isAuthentic(anchor: StreamAnchor): boolean {
    const expected = Buffer.from(this.sign(anchor), 'hex');
    const given = Buffer.from(typeof anchor.signature === 'string' ? anchor.signature : '', 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  describeInvalid(anchor: StreamAnchor): string {
    const key =
      anchor.keyId === this.config.anchorKeyId
        ? 'with the current key'
        : `by key ${anchor.keyId}, the current key is ${this.config.anchorKeyId}`;
    return `The anchor at revision ${anchor.revision} (${anchor.anchoredAt}) is not signed ${key}: it was altered, forged or signed with another key`;
  }

  /** Anchors only move forward: an anchor at or past this revision already stays. */
  async record(head: AnchoredHead, runId: string): Promise<boolean> {
    const anchor: StreamAnchor = {
      _id: head.streamId,
      streamId: head.streamId,
      revision: head.revision,
      hash: head.hash,
      anchoredAt: head.anchoredAt,
      keyId: this.config.anchorKeyId,
      signature: this.sign(head),
      runId,
    };
    try {
      const result = await this.anchors.replaceOne(
        { _id: head.streamId, revision: { $lt: head.revision } },
        anchor,
        { upsert: true },
      );
      return result.matchedCount > 0 || result.upsertedId !== null;
    } catch (error) {
      if (error instanceof DuplicateKeyError) return false;
      throw error;
    }
  }

  private get checkpoint() {
    return this.readStore.collection<AnchorCheckpoint>(ANCHOR_CHECKPOINT_COLLECTION);
  }

  /** The global position up to which earlier passes looked at the log; 0 before the first. */
  async checkpointPosition(): Promise<number> {
    return (await this.checkpoint.findOne({ _id: CHECKPOINT_ID }))?.position ?? 0;
  }

  /** Records the pass (when it saw anything) and moves the checkpoint forward, never back. */
  async saveRun(run: AnchorRun): Promise<void> {
    if (run.streamsSeen > 0) {
      await this.runs.insertOne({ ...run, skipped: run.skipped.slice(0, MAX_SKIPPED_LISTED) });
    }
    await this.checkpoint.updateOne(
      { _id: CHECKPOINT_ID },
      { $max: { position: run.throughPosition }, $set: { updatedAt: run.anchoredAt } },
      { upsert: true },
    );
  }
}
