import type { EventStore } from '../event-store/event-store.port';
import { UpcastingEventStore } from '../event-store/upcasting-event-store';

/**
 * The event store as the audit trail reads it: events exactly as stored. EVENT_STORE lifts
 * events of older schema versions on the way out, but a lifted event keeps the hash of its stored
 * form, so verification, exports and anchors must read underneath the upcasting.
 */
export const AUDIT_EVENT_STORE = Symbol('AUDIT_EVENT_STORE');

export function storedForm(store: EventStore): EventStore {
  return store instanceof UpcastingEventStore ? store.stored : store;
}
