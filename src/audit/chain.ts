import { type EventEnvelope, envelopeHash, GENESIS_HASH } from '../event-store/event-envelope';

/**
 * Why a stream fails verification:
 * - `edited`: an event's content no longer matches its hash (or its hash was changed);
 * - `reordered`: the event that belongs at this revision is intact but stored at another one;
 * - `missing`: a revision is absent (a gap in the stream);
 * - `truncated`: the stream ends before the revision its latest anchor recorded;
 * - `rewritten`: the chain is self-consistent but differs from the anchored hash at that revision
 *   (history was replaced and re-hashed);
 * - `anchor-invalid`: the latest anchor's signature does not verify under its key.
 */
export type ChainBreakReason =
  'edited' | 'reordered' | 'missing' | 'truncated' | 'rewritten' | 'anchor-invalid';

export interface ChainBreak {
  ok: false;
  revision: number;
  reason: ChainBreakReason;
  detail: string;
}

/** Where a walk along the chain stands: the next revision due and the hash it must chain to. */
export interface ChainCursor {
  nextRevision: number;
  previousHash: string;
}

export const CHAIN_START: ChainCursor = { nextRevision: 0, previousHash: GENESIS_HASH };

/** The outcome of checking one event against the cursor. A hash mismatch is classified later. */
export type LinkCheck =
  | { ok: true; next: ChainCursor }
  | { ok: false; revision: number; reason: 'missing' | 'reordered' | 'mismatch' };

export function checkLink(cursor: ChainCursor, event: EventEnvelope): LinkCheck {
  if (event.revision > cursor.nextRevision) {
    return { ok: false, revision: cursor.nextRevision, reason: 'missing' };
  }
  if (event.revision < cursor.nextRevision) {
    return { ok: false, revision: event.revision, reason: 'reordered' };
  }
  if (envelopeHash(event, cursor.previousHash) !== event.hash) {
    return { ok: false, revision: event.revision, reason: 'mismatch' };
  }
  return { ok: true, next: { nextRevision: event.revision + 1, previousHash: event.hash } };
}

/**
 * Would `event`, stored at `revision` right after `previousHash`, hash to one of the stream's
 * stored hashes? Then it is an intact event of this stream that belongs at `revision`.
 */
export function belongsAt(
  event: EventEnvelope,
  revision: number,
  previousHash: string,
  storedHashes: ReadonlySet<string>,
): boolean {
  return storedHashes.has(envelopeHash({ ...event, revision }, previousHash));
}

export function chainBreak(revision: number, reason: ChainBreakReason, detail: string): ChainBreak {
  return { ok: false, revision, reason, detail };
}
