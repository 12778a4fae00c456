import type { EventEnvelope } from '../event-store/event-envelope';

/**
 * The relay's outbound side of the fan-out transport. `publish` resolves only once the broker has
 * acknowledged every event, so a relay may move its checkpoint past them; it rejects otherwise.
 */
export const EVENT_PUBLISHER = Symbol('EVENT_PUBLISHER');

export interface EventPublisher {
  publish(events: EventEnvelope[]): Promise<void>;
  close(): Promise<void>;
}
