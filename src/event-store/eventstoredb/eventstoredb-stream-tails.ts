import type { EventEnvelope } from '../event-envelope';

/**
 * How far back from the stream's last event a re-sent append is looked for, in events. EventStoreDB
 * has no index from event id to revision, so a re-send whose original ends further back than this
 * is not recognised and is written again. Retries come soon after the original (a lost answer, an
 * Idempotency-Key replay after a crash), when few events have followed it in its stream; looking
 * further would cost a larger read on every append of a stream this process does not know.
 */
export const RESEND_LOOK_BACK = 64;

/**
 * What an append needs of a stored event: its id and revision to recognise a re-send, its hash and
 * recording time to chain to it. Events this process has just appended are known without a hash
 * (see StreamTails.remember), and without a position unless they were the last of their append.
 */
export interface TailEvent {
  eventId: string;
  revision: number;
  position?: number;
  hash?: string;
  recordedAt?: string;
}

function summary(event: TailEvent): TailEvent {
  const { eventId, revision, position, hash, recordedAt } = event;
  return { eventId, revision, position, hash, recordedAt };
}

/** Events from a read, which carry everything. */
export function tailOf(events: EventEnvelope[]): TailEvent[] {
  return events.map(summary);
}

/**
 * The last events of recently used streams, contiguous by revision, least recently used dropped
 * first. Stored revisions never change in EventStoreDB (deletes and truncations hide events, they
 * do not rewrite them), so a tail can be stale, never wrong: an append expecting a revision the
 * stream has moved past is refused by the server, and the adapter then reads the stream's tail.
 */
export class StreamTails {
  private readonly tails = new Map<string, TailEvent[]>();

  constructor(
    /** Events kept per stream: the look-back window for re-sends. */
    readonly window: number,
    private readonly maxStreams: number,
  ) {}

  /**
   * The known last events of `streamId` if they end at `revision` with a known hash and start at
   * revision 0 or fill the look-back window: only then may an append that expects `revision` go
   * without reading the stream first.
   */
  endingAt(streamId: string, revision: number): TailEvent[] | undefined {
    const tail = this.tails.get(streamId);
    const last = tail?.at(-1);
    if (!tail || last?.revision !== revision || last.hash === undefined) return undefined;
    if (tail[0].revision !== 0 && tail.length < this.window) return undefined;
    this.touch(streamId, tail);
    return tail;
  }

  /**
   * Records events of a stream, contiguous by revision: they replace what is known at the same
   * revisions and join what is known right before them. Events an append just wrote are recorded
   * without their hash: an append the server answers as a re-send (another process wrote the same
   * events a moment earlier, with its own recording time) looks exactly like a fresh write, so
   * this append's hashes may not be the stored ones. The next read of the stream fills them in.
   */
  remember(streamId: string, events: TailEvent[]): void {
    if (events.length === 0) return;
    const first = events[0].revision;
    const known = (this.tails.get(streamId) ?? []).filter((event) => event.revision < first);
    const joined =
      known.at(-1)?.revision === first - 1
        ? [...known, ...events.map(summary)]
        : events.map(summary);
    this.touch(streamId, joined.slice(-this.window));
  }

  forget(streamId: string): void {
    this.tails.delete(streamId);
  }

  private touch(streamId: string, tail: TailEvent[]): void {
    this.tails.delete(streamId);
    this.tails.set(streamId, tail);
    if (this.tails.size > this.maxStreams) {
      const oldest = this.tails.keys().next().value as string;
      this.tails.delete(oldest);
    }
  }
}
