import type { Decider } from '../domain/decider';
import type { EventEnvelope } from '../event-store/event-envelope';

/** A stream folded up to and including `revision` (-1: no event yet). */
export interface FoldedState<S> {
  state: S;
  revision: number;
  /** Global position of the event at `revision`; 0 before the first event. */
  position: number;
  /** Id of the event at `revision`, which a snapshot of this state checks the stream still holds. */
  eventId: string | undefined;
}

type DomainEvent = { type: string; data: unknown };

export function emptyFold<S>(
  decider: Pick<Decider<unknown, never, S>, 'initialState'>,
): FoldedState<S> {
  return { state: decider.initialState, revision: -1, position: 0, eventId: undefined };
}

/**
 * The one place where stored envelopes meet a decider's fold. The envelopes come from the event
 * store already lifted to the current schema (see UpcastingEventStore), which is what makes the
 * cast to the decider's event union sound.
 */
export function foldStream<E extends DomainEvent, S>(
  decider: Pick<Decider<unknown, E, S>, 'evolve'>,
  from: FoldedState<S>,
  events: readonly EventEnvelope[],
): FoldedState<S> {
  if (events.length === 0) return from;
  let state = from.state;
  for (const event of events) state = decider.evolve(state, event as unknown as E);
  const last = events[events.length - 1];
  return { state, revision: last.revision, position: last.position, eventId: last.eventId };
}
