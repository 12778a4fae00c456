import type { EventEnvelope, NewEvent } from '../event-store/event-envelope';
import type { AppendResult, EventStore } from '../event-store/event-store.port';
import type { ExpectedRevision } from '../event-store/expected-revision';
import { ForwardingEventStore } from '../event-store/forwarding-event-store';
import { ReadMappingEventStore } from '../event-store/read-mapping-event-store';
import { PersonalDataSealer } from './personal-data-sealer';

/** Streams whose subject is remembered; a stream's subject never changes once it has events. */
const SUBJECT_CACHE_SIZE = 10_000;

/**
 * Wraps an event store so that personal fields are sealed before the inner store hashes and
 * appends them: the hash chain covers ciphertext, and every reader of this store (the relay,
 * projections, audit, commands) gets the stored, sealed form. `opened` is a view that opens what
 * it reads and shows a field whose key was erased as ERASED: what the answers show, for checking
 * them against the whole history.
 */
export class SealingEventStore extends ForwardingEventStore {
  private readonly subjects = new Map<string, string>();
  readonly opened: EventStore;

  constructor(
    inner: EventStore,
    private readonly sealer: PersonalDataSealer,
  ) {
    super(inner);
    this.opened = new OpenedEventStore(this, sealer);
  }

  override async append(
    streamId: string,
    events: NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    const learned = new Map<string, string>();
    const subjectOf = async (stream: string) =>
      learned.get(stream) ?? (await this.streamSubject(stream));
    const sealed: NewEvent[] = [];
    for (const event of events) {
      const next = await this.sealer.seal(streamId, event, subjectOf);
      const subject = PersonalDataSealer.subjectOfStored(next as EventEnvelope);
      if (subject !== undefined && !learned.has(streamId)) learned.set(streamId, subject);
      sealed.push(next);
    }
    const result = await this.inner.append(streamId, sealed, expected);
    for (const [stream, subject] of learned) this.remember(stream, subject);
    return result;
  }

  /** The wrapped store, for checks of its own (its files) rather than of events. */
  get underlying(): EventStore {
    return this.inner;
  }

  private async streamSubject(streamId: string): Promise<string | undefined> {
    const known = this.subjects.get(streamId);
    if (known !== undefined) return known;
    const [first] = await this.inner.readStream(streamId, { fromRevision: 0, maxCount: 1 });
    const subject = first ? PersonalDataSealer.subjectOfStored(first) : undefined;
    if (subject !== undefined) this.remember(streamId, subject);
    return subject;
  }

  private remember(streamId: string, subject: string): void {
    if (this.subjects.size >= SUBJECT_CACHE_SIZE) {
      this.subjects.delete(this.subjects.keys().next().value!);
    }
    this.subjects.set(streamId, subject);
  }
}

class OpenedEventStore extends ReadMappingEventStore {
  constructor(
    sealed: SealingEventStore,
    private readonly sealer: PersonalDataSealer,
  ) {
    super(sealed);
  }

  protected async mapRead(events: EventEnvelope[]): Promise<EventEnvelope[]> {
    const opened: EventEnvelope[] = [];
    for (const event of events) opened.push(await this.sealer.open(event));
    return opened;
  }
}
