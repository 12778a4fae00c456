import { randomUUID } from 'node:crypto';
import type { Actor } from '../event-store/event-envelope';
import type { EventStore } from '../event-store/event-store.port';
import type { SubjectIndex } from './subject-index';
import type { SubjectKeyStore } from './subject-key-store.port';

export const ERASURE_STREAM_PREFIX = 'erasure-';
/** The one place that names a subject's erasure stream: by its blind index, never its id. */
export const erasureStream = (subject: string): string => `${ERASURE_STREAM_PREFIX}${subject}`;

export interface ErasureRequest {
  subjectId: string;
  /** Who asked: stored in the event's metadata, itself sealed under the requester's own key. */
  actor: Actor;
  /** The legal basis or case reference (e.g. "GDPR Art. 17, case 2026-114"), stored in the clear. */
  authority: string;
  correlationId: string;
}

export interface ErasureResult {
  subject: string;
  keysDeleted: number;
  /** Position of the DataSubjectErased event; null when the subject was already erased. */
  position: number | null;
}

/**
 * Crypto-shredding: records a DataSubjectErased event, then deletes every key of the subject, so
 * each event that sealed its data keeps its hash and becomes unreadable where it was personal. The
 * event comes first: a crash between the two leaves a recorded erasure that a retry completes,
 * never a silent one. A subject with no key left and an erasure on record is not recorded again.
 */
export class SubjectErasure {
  constructor(
    private readonly eventStore: EventStore,
    private readonly keys: SubjectKeyStore,
    private readonly index: SubjectIndex,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async erase(request: ErasureRequest): Promise<ErasureResult> {
    const subject = this.index.of(request.subjectId);
    const stream = erasureStream(subject);
    const [last] = await this.eventStore.readStream(stream, {
      direction: 'backwards',
      maxCount: 1,
    });
    if (last && !(await this.keys.hasKey(subject))) {
      return { subject, keysDeleted: 0, position: null };
    }
    const eventId = randomUUID();
    const appended = await this.eventStore.append(
      stream,
      [
        {
          eventId,
          type: 'DataSubjectErased',
          schemaVersion: 1,
          data: { subject, authority: request.authority, erasedAt: this.now().toISOString() },
          metadata: {
            actor: request.actor,
            correlationId: request.correlationId,
            causationId: eventId,
            commandId: eventId,
          },
        },
      ],
      'any',
    );
    const keysDeleted = await this.keys.erase(subject);
    return { subject, keysDeleted, position: appended.position };
  }
}
