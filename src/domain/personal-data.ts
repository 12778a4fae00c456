import { accountStream } from './stream-names';

/**
 * Whose personal data a field is: the value of a field of the same event (the owner id names its
 * own subject), the subject of the stream the event is appended to (the owner of the account), or
 * the subject of another stream (a transfer's reference belongs to the owner of the source).
 */
export type DataSubject =
  | { kind: 'field'; field: string }
  | { kind: 'stream' }
  | { kind: 'stream-of'; stream: (data: Record<string, unknown>) => string };

/** The personal fields of one event type, members of `data`, and whose they are. */
export interface PersonalFields {
  fields: readonly string[];
  subject: DataSubject;
}

/**
 * Every event schema's personal data. Money, ids, currencies, times and statuses are not personal;
 * the owner id and the free-text references are. A stream's subject is that of its revision 0
 * (AccountOpened names the owner). `metadata.actor.subject`, the caller of the command, is personal
 * in every event and is its own subject. Transfer reasons are fixed codes, not free text.
 */
export const PERSONAL_FIELDS: Readonly<Record<string, PersonalFields>> = {
  AccountOpened: { fields: ['ownerId'], subject: { kind: 'field', field: 'ownerId' } },
  MoneyDeposited: { fields: ['reference'], subject: { kind: 'stream' } },
  MoneyWithdrawn: { fields: ['reference'], subject: { kind: 'stream' } },
  TransferRequested: {
    fields: ['reference'],
    subject: { kind: 'stream-of', stream: (data) => accountStream(String(data.fromAccountId)) },
  },
};

/** What a personal field reads as once its subject's key is erased. */
export const ERASED = '[erased]';

/**
 * The member the command side's view adds beside a field that names its own subject (the owner
 * id): that subject's blind index, which the folded state keeps in place of the value.
 */
export const OWNER_REF_FIELD = 'ownerRef';

/**
 * A personal value as stored is sealed (see src/privacy/sealed-value.ts): an object naming its
 * subject's blind index. The index, or undefined for a value in the clear.
 */
export function subjectRefOf(value: unknown): string | undefined {
  const subject = (value as { subject?: unknown } | null)?.subject;
  return typeof value === 'object' && typeof subject === 'string' ? subject : undefined;
}

/**
 * How a read model keeps a personal value of an event: as stored, with the id of the event it
 * came from, which opening it needs (the event id is part of what the seal authenticates).
 */
export function keptPersonal<T>(value: T, eventId: string): T {
  return subjectRefOf(value) === undefined ? value : { ...value, eventId };
}
