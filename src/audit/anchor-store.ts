import { Inject, Injectable } from '@nestjs/common';
import canonicalize from 'canonicalize';
import { DuplicateKeyError } from '../read-store/read-store.errors';
import { READ_STORE, type ReadDocument, type ReadStore } from '../read-store/read-store.port';
import { ANCHOR_ALGORITHM } from './anchor-keys';
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
 * Ed25519, hex, over the RFC 8785 canonical JSON of exactly the AnchoredHead fields, by the key
 * `keyId` names. An anchor without `algorithm` is an HMAC anchor from before Ed25519 signing.
 */
export interface StreamAnchor extends ReadDocument, AnchoredHead {
  algorithm?: typeof ANCHOR_ALGORITHM;
  keyId: string;
  signature: string;
  runId: string;
}

/** An HMAC anchor from before Ed25519: nobody but the holder of its secret can check it. */
export function isLegacyAnchor(anchor: StreamAnchor): boolean {
  return anchor.algorithm !== ANCHOR_ALGORITHM;
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

  /** The latest anchor of every stream that still has an HMAC one. */
  legacy(): Promise<StreamAnchor[]> {
    return this.anchors.find({ algorithm: { $exists: false } });
  }

  private sign(head: AnchoredHead): string {
    return this.config.anchorKeys.sign(signedText(head));
  }

  isAuthentic(anchor: StreamAnchor): boolean {
    return (
      !isLegacyAnchor(anchor) &&
      this.config.anchorKeys.check(anchor.keyId, signedText(anchor), anchor.signature) === 'valid'
    );
  }

  describeInvalid(anchor: StreamAnchor): string {
    const at = `The anchor at revision ${anchor.revision} (${anchor.anchoredAt})`;
    if (isLegacyAnchor(anchor)) {
      return `${at} is an HMAC anchor from before Ed25519 signing; the next anchoring pass re-signs it after checking the chain against it`;
    }
    const keys = this.config.anchorKeys;
    if (keys.check(anchor.keyId, signedText(anchor), anchor.signature) === 'unknown-key') {
      return `${at} names key ${anchor.keyId}, which is neither the current key ${keys.currentKeyId} nor a retired one (AUDIT_RETIRED_PUBLIC_KEYS)`;
    }
    return `${at} is not signed by key ${anchor.keyId}: it was altered or forged`;
  }

  /**
   * Anchors only move forward: an anchor at or past this revision already stays, unless it is a
   * legacy HMAC anchor, which a signed one at the same revision replaces.
   */
  async record(head: AnchoredHead, runId: string): Promise<boolean> {
    const anchor: StreamAnchor = {
      _id: head.streamId,
      streamId: head.streamId,
      revision: head.revision,
      hash: head.hash,
      anchoredAt: head.anchoredAt,
      algorithm: ANCHOR_ALGORITHM,
      keyId: this.config.anchorKeys.currentKeyId,
      signature: this.sign(head),
      runId,
    };
    try {
      const result = await this.anchors.replaceOne(
        {
          _id: head.streamId,
          $or: [
            { revision: { $lt: head.revision } },
            { revision: head.revision, algorithm: { $exists: false } },
          ],
        },
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

function signedText({ streamId, revision, hash, anchoredAt }: AnchoredHead): string {
  return canonicalize({ streamId, revision, hash, anchoredAt })!;
}
