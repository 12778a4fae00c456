import { ERASED, PERSONAL_FIELDS, type PersonalFields } from '../domain/personal-data';
import type { EventEnvelope, NewEvent } from '../event-store/event-envelope';
import { isSealed, open, seal, type SealedValue } from './sealed-value';
import type { SubjectIndex } from './subject-index';
import type { SubjectKeyStore } from './subject-key-store.port';

/** What a sealed value reads as when its key is there but it does not open: it was changed. */
export const UNREADABLE = '[unreadable]';

const ACTOR_PATH = 'metadata.actor.subject';

/** Finds the subject of a stream (that of its revision 0) without opening anything. */
export type StreamSubject = (streamId: string) => Promise<string | undefined>;

/**
 * Seals the declared personal fields of events before they are appended, and opens them on the
 * way out. The associated data of each field is `<eventId>\n<path>`.
 */
export class PersonalDataSealer {
  constructor(
    private readonly keys: SubjectKeyStore,
    private readonly index: SubjectIndex,
  ) {}

  async seal(streamId: string, event: NewEvent, streamSubject: StreamSubject): Promise<NewEvent> {
    const declared = PERSONAL_FIELDS[event.type];
    let data = event.data as Record<string, unknown>;
    if (declared && typeof data === 'object' && data !== null) {
      const present = declared.fields.filter((field) => data[field] !== undefined);
      if (present.length > 0) {
        const subject = await this.subjectOf(declared, streamId, data, streamSubject);
        data = { ...data };
        for (const field of present) {
          data[field] = await this.sealValue(data[field], subject, event.eventId, `data.${field}`);
        }
      }
    }
    const actor = event.metadata.actor;
    const sealedActor = isSealed(actor.subject)
      ? actor.subject
      : await this.sealValue(
          actor.subject,
          this.index.of(actor.subject),
          event.eventId,
          ACTOR_PATH,
        );
    return {
      ...event,
      data,
      metadata: {
        ...event.metadata,
        actor: { ...actor, subject: sealedActor as unknown as string },
      },
    };
  }

  /** The event with every sealed value opened, or ERASED where its key is gone. */
  async open(event: EventEnvelope): Promise<EventEnvelope> {
    const data = event.data as Record<string, unknown>;
    let opened: Record<string, unknown> | undefined;
    const declared = PERSONAL_FIELDS[event.type];
    if (declared && typeof data === 'object' && data !== null) {
      for (const field of declared.fields) {
        if (!isSealed(data[field])) continue;
        opened ??= { ...data };
        opened[field] = await this.openValue(data[field], event.eventId, `data.${field}`);
      }
    }
    const actor = event.metadata?.actor;
    const sealedSubject: unknown = actor?.subject;
    if (!isSealed(sealedSubject)) return opened ? { ...event, data: opened } : event;
    const subject = String(await this.openValue(sealedSubject, event.eventId, ACTOR_PATH));
    return {
      ...event,
      data: opened ?? event.data,
      metadata: { ...event.metadata, actor: { ...actor, subject } },
    };
  }

  /**
   * A personal value as a read model keeps it (sealed, with its event's id: see keptPersonal),
   * opened; ERASED once its key is gone; a value in the clear as it is.
   */
  async openKept(value: unknown, path: string): Promise<unknown> {
    if (!isSealed(value)) return value;
    const eventId = (value as { eventId?: unknown }).eventId;
    if (typeof eventId !== 'string') return UNREADABLE;
    return this.openValue(value, eventId, path);
  }

  /** How many sealed values of the event can no longer be opened because their key was erased. */
  async erasedFields(event: EventEnvelope): Promise<number> {
    let count = 0;
    for (const value of sealedValues(event)) {
      if ((await this.keys.key(value.keyId)) === undefined) count++;
    }
    return count;
  }

  /** The subject that the declared subject field of an event names, from its stored form. */
  static subjectOfStored(event: EventEnvelope): string | undefined {
    const declared = PERSONAL_FIELDS[event.type];
    if (declared?.subject.kind !== 'field') return undefined;
    const value = (event.data as Record<string, unknown>)[declared.subject.field];
    return isSealed(value) ? value.subject : undefined;
  }

  private async subjectOf(
    declared: PersonalFields,
    streamId: string,
    data: Record<string, unknown>,
    streamSubject: StreamSubject,
  ): Promise<string> {
    const rule = declared.subject;
    if (rule.kind === 'field') return this.index.of(String(data[rule.field]));
    const stream = rule.kind === 'stream' ? streamId : rule.stream(data);
    const subject = await streamSubject(stream);
    if (subject === undefined) {
      throw new Error(`Stream ${stream} names no data subject for a personal field`);
    }
    return subject;
  }

  private async sealValue(
    value: unknown,
    subject: string,
    eventId: string,
    path: string,
  ): Promise<SealedValue> {
    return seal(value, await this.keys.currentKey(subject), subject, `${eventId}\n${path}`);
  }

  private async openValue(value: SealedValue, eventId: string, path: string): Promise<unknown> {
    const key = await this.keys.key(value.keyId);
    if (key === undefined) return ERASED;
    const opened = open(value, key, `${eventId}\n${path}`);
    return opened === undefined ? UNREADABLE : opened;
  }
}

function sealedValues(event: EventEnvelope): SealedValue[] {
  const values: SealedValue[] = [];
  const data = event.data as Record<string, unknown>;
  for (const field of PERSONAL_FIELDS[event.type]?.fields ?? []) {
    if (typeof data === 'object' && data !== null && isSealed(data[field])) {
      values.push(data[field]);
    }
  }
  const subject = event.metadata?.actor?.subject;
  if (isSealed(subject)) values.push(subject);
  return values;
}
