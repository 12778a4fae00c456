import { Inject, Injectable } from '@nestjs/common';
import type { EventEnvelope } from '../event-store/event-envelope';
import { type EventStore, STORED_EVENT_STORE } from '../event-store/event-store.port';
import { streamEvents } from '../history/stream-pages';
import { AnchorStore, isLegacyAnchor, type StreamAnchor } from './anchor-store';
import { AuditHistory } from './audit-history';
import { PersonalDataSealer } from '../privacy/personal-data-sealer';
import {
  belongsAt,
  CHAIN_START,
  type ChainBreak,
  chainBreak,
  type ChainCursor,
  checkLink,
  type LinkCheck,
} from './chain';

/** Events read from the store at a time while walking a chain. */
export const VERIFY_PAGE_SIZE = 1000;

export interface ChainIntact {
  ok: true;
  streamId: string;
  /** -1 for a stream with no events. */
  headRevision: number;
  headHash: string;
  eventsChecked: number;
  /** The latest anchor the stream was checked against, if it has one. */
  anchor: { revision: number; hash: string; anchoredAt: string } | null;
}

export type StreamVerification = ChainIntact | (ChainBreak & { streamId: string });

export interface VerificationSummary {
  checkedAt: string;
  streamsChecked: number;
  okCount: number;
  failedCount: number;
  failures: (ChainBreak & { streamId: string })[];
  /** Events holding personal fields whose subject was erased: their hashes still verify. */
  eventsWithErasedFields: number;
}

interface Walked {
  cursor: ChainCursor;
  eventsChecked: number;
  /** The stored hash at `watch`, when the walk passed that revision. */
  hashAtWatch: string | undefined;
  /** The first broken link, where the walk stopped. */
  broken?: ChainBreak;
  /** Events walked that hold personal fields of an erased subject. */
  erased: number;
}

/**
 * Recomputes a stream's hash chain from the events the store hands out and compares its head
 * with the stream's latest anchor. Reads the stream page by page; only a broken link makes it
 * read the stream again, to tell an edited event from a moved one.
 */
@Injectable()
export class ChainVerifier {
  constructor(
    @Inject(STORED_EVENT_STORE) private readonly eventStore: EventStore,
    private readonly anchors: AnchorStore,
    private readonly history: AuditHistory,
    private readonly sealer: PersonalDataSealer,
  ) {}

  /**
   * Every stream: those in the global log and those only an anchor remembers (a stream deleted
   * outright is truncated to nothing). Scans the whole log once, then reads every stream.
   */
  async verifyAll(): Promise<VerificationSummary> {
    const checkedAt = new Date().toISOString();
    const streamIds = await this.history.streamIds();
    for (const anchor of await this.anchors.all()) streamIds.add(anchor.streamId);
    const failures: (ChainBreak & { streamId: string })[] = [];
    let okCount = 0;
    let eventsWithErasedFields = 0;
    for (const streamId of [...streamIds].sort()) {
      const { result, erased } = await this.check(streamId);
      eventsWithErasedFields += erased;
      if (!result) continue;
      if (result.ok) okCount++;
      else failures.push(result);
    }
    return {
      checkedAt,
      streamsChecked: okCount + failures.length,
      okCount,
      failedCount: failures.length,
      failures,
      eventsWithErasedFields,
    };
  }

  /**
   * The whole stream from revision 0, then its latest anchor. Undefined for an unknown stream.
   * `acceptLegacyAnchor` (for re-signing only) compares a legacy HMAC anchor's revision and hash
   * without its signature, which this process cannot check.
   */
  async verify(
    streamId: string,
    { acceptLegacyAnchor = false } = {},
  ): Promise<StreamVerification | undefined> {
    return (await this.check(streamId, acceptLegacyAnchor)).result;
  }

  /** The verification, and how many of the events walked hold erased subjects' fields. */
  private async check(
    streamId: string,
    acceptLegacyAnchor = false,
  ): Promise<{ result: StreamVerification | undefined; erased: number }> {
    const anchor = await this.anchors.latest(streamId);
    const trusted = (candidate: StreamAnchor) =>
      (acceptLegacyAnchor && isLegacyAnchor(candidate)) || this.anchors.isAuthentic(candidate);
    const walked = await this.walk(streamId, CHAIN_START, anchor?.revision);
    const answer = (result: StreamVerification | undefined) => ({ result, erased: walked.erased });
    if (walked.broken) {
      // An anchored revision the walk passed before the break is the earlier failure.
      const rewritten =
        anchor && walked.hashAtWatch !== undefined && trusted(anchor)
          ? this.againstAnchor(anchor, anchor.revision, walked.hashAtWatch, trusted)
          : undefined;
      return answer({ ...(rewritten ?? walked.broken), streamId });
    }
    if (walked.eventsChecked === 0 && !anchor) return answer(undefined);
    const headRevision = walked.cursor.nextRevision - 1;
    if (anchor) {
      const broken = this.againstAnchor(anchor, headRevision, walked.hashAtWatch, trusted);
      if (broken) return answer({ ...broken, streamId });
    }
    return answer({
      ok: true,
      streamId,
      headRevision,
      headHash: walked.cursor.previousHash,
      eventsChecked: walked.eventsChecked,
      anchor: anchor
        ? { revision: anchor.revision, hash: anchor.hash, anchoredAt: anchor.anchoredAt }
        : null,
    });
  }

  /**
   * Only what was appended since `anchor` (already checked when it was signed): the event at the
   * anchored revision must still carry the anchored hash, and the chain must go on from there.
   */
  async verifySince(
    streamId: string,
    anchor: StreamAnchor | null,
  ): Promise<StreamVerification | undefined> {
    if (!anchor) return this.verify(streamId);
    if (isLegacyAnchor(anchor)) return this.verify(streamId, { acceptLegacyAnchor: true });
    const [pinned] = await this.eventStore.readStream(streamId, {
      fromRevision: anchor.revision,
      maxCount: 1,
    });
    if (!pinned) {
      const [head] = await this.eventStore.readStream(streamId, {
        direction: 'backwards',
        maxCount: 1,
      });
      const truncated = this.againstAnchor(anchor, head?.revision ?? -1, undefined);
      if (truncated) return { ...truncated, streamId };
    }
    if (!pinned || pinned.revision !== anchor.revision) {
      return {
        ...chainBreak(anchor.revision, 'missing', `Revision ${anchor.revision} is absent`),
        streamId,
      };
    }
    const broken = this.againstAnchor(anchor, anchor.revision, pinned.hash);
    if (broken) return { ...broken, streamId };
    const start = { nextRevision: anchor.revision + 1, previousHash: anchor.hash };
    const walked = await this.walk(streamId, start, undefined);
    if (walked.broken) return { ...walked.broken, streamId };
    return {
      ok: true,
      streamId,
      headRevision: walked.cursor.nextRevision - 1,
      headHash: walked.cursor.previousHash,
      eventsChecked: walked.eventsChecked,
      anchor: { revision: anchor.revision, hash: anchor.hash, anchoredAt: anchor.anchoredAt },
    };
  }

  private againstAnchor(
    anchor: StreamAnchor,
    headRevision: number,
    hashAtAnchor: string | undefined,
    trusted: (anchor: StreamAnchor) => boolean = (candidate) => this.anchors.isAuthentic(candidate),
  ): ChainBreak | undefined {
    if (!trusted(anchor)) {
      return chainBreak(anchor.revision, 'anchor-invalid', this.anchors.describeInvalid(anchor));
    }
    if (headRevision < anchor.revision) {
      return chainBreak(
        headRevision + 1,
        'truncated',
        `The stream ends at revision ${headRevision}, but its anchor of ${anchor.anchoredAt} ` +
          `recorded revision ${anchor.revision}`,
      );
    }
    if (hashAtAnchor !== anchor.hash) {
      return chainBreak(
        anchor.revision,
        'rewritten',
        `Revision ${anchor.revision} hashes to ${hashAtAnchor}, but was anchored on ` +
          `${anchor.anchoredAt} as ${anchor.hash}: history up to it was replaced and re-hashed`,
      );
    }
    return undefined;
  }

  private async walk(
    streamId: string,
    start: ChainCursor,
    watch: number | undefined,
  ): Promise<Walked> {
    let cursor = start;
    let eventsChecked = 0;
    let hashAtWatch: string | undefined;
    let erased = 0;
    for await (const event of this.events(streamId, start.nextRevision)) {
      const link = checkLink(cursor, event);
      if (!link.ok) {
        const broken = await this.explain(streamId, cursor, event, link);
        return { cursor, eventsChecked, hashAtWatch, broken, erased };
      }
      if (event.revision === watch) hashAtWatch = event.hash;
      if ((await this.sealer.erasedFields(event)) > 0) erased++;
      cursor = link.next;
      eventsChecked++;
    }
    return { cursor, eventsChecked, hashAtWatch, erased };
  }

  private async explain(
    streamId: string,
    cursor: ChainCursor,
    event: EventEnvelope,
    link: Exclude<LinkCheck, { ok: true }>,
  ): Promise<ChainBreak> {
    if (link.reason === 'missing') {
      return chainBreak(
        link.revision,
        'missing',
        `Revision ${link.revision} is absent: the stream goes on at revision ${event.revision}`,
      );
    }
    if (link.reason === 'reordered') {
      return chainBreak(
        link.revision,
        'reordered',
        `Revision ${link.revision} appears again after revision ${cursor.nextRevision - 1}`,
      );
    }
    return this.classifyMismatch(streamId, cursor, event);
  }

  /**
   * The event at `cursor.nextRevision` does not hash to its stored hash. If some event of the
   * stream, put at that revision after the verified prefix, hashes to a hash stored in the
   * stream, the right event is there, intact, in the wrong place: reordered. Otherwise the
   * content (or the hash) was changed: edited.
   */
  private async classifyMismatch(
    streamId: string,
    cursor: ChainCursor,
    found: EventEnvelope,
  ): Promise<ChainBreak> {
    const revision = cursor.nextRevision;
    const storedHashes = new Set<string>();
    for await (const event of this.events(streamId, 0)) storedHashes.add(event.hash);
    for await (const event of this.events(streamId, 0)) {
      if (belongsAt(event, revision, cursor.previousHash, storedHashes)) {
        return chainBreak(
          revision,
          'reordered',
          event.eventId === found.eventId
            ? `Event ${found.eventId} is intact but its hash was swapped with another event's`
            : `Event ${event.eventId} belongs at revision ${revision} but is stored at ` +
                `revision ${event.revision}; ${found.eventId} is there instead`,
        );
      }
    }
    return chainBreak(
      revision,
      'edited',
      `Event ${found.eventId} at revision ${revision} does not match its hash: its content or ` +
        'its hash was changed after it was written',
    );
  }

  private events(streamId: string, fromRevision: number): AsyncGenerator<EventEnvelope> {
    return streamEvents(this.eventStore, streamId, { fromRevision, pageSize: VERIFY_PAGE_SIZE });
  }
}
