import { OWNER_REF_FIELD, PERSONAL_FIELDS, subjectRefOf } from '../domain/personal-data';
import type { FoldView } from '../history/fold-view.port';
import type { SubjectIndex } from './subject-index';

/**
 * The fold view of the command side: an event whose personal field names its own subject (the
 * owner id of AccountOpened) gains that subject's blind index as `ownerRef`. A sealed value names
 * it already; a value in the clear (an event just decided, or stored before sealing) is indexed,
 * which costs one HMAC per opened account and never a decryption.
 */
export function ownerRefView(index: SubjectIndex): FoldView {
  return (event) => {
    const rule = PERSONAL_FIELDS[event.type]?.subject;
    if (rule?.kind !== 'field') return event;
    const data = event.data as Record<string, unknown>;
    const value = data[rule.field];
    if (value === undefined) return event;
    const ref = subjectRefOf(value) ?? index.of(String(value));
    return { ...event, data: { ...data, [OWNER_REF_FIELD]: ref } };
  };
}
