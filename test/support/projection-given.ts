import type { EventEnvelope } from '../../src/event-store/event-envelope';
import type { ProjectedDocument, Projection } from '../../src/projecting/projection';

type Event = { type: string; data: unknown };

/**
 * Given/when/then for a projection's pure fold: events of one stream become envelopes with
 * revisions 0, 1, 2… (positions 10, 20, 30…, one minute apart), folded the way the projector does.
 */
export function givenStream<D extends ProjectedDocument>(
  projection: Projection<D>,
  streamId: string,
  ...events: Event[]
) {
  const envelopes = events.map((event, revision) => envelope(streamId, revision, event));
  return {
    /** The document each event's id leads to, after the whole stream is folded. */
    documents(): Map<string, D> {
      const documents = new Map<string, D>();
      for (const event of envelopes) {
        if (!projection.handles.includes(event.type)) continue;
        const id = projection.documentId(event);
        documents.set(id, projection.evolve(documents.get(id) ?? null, event));
      }
      return documents;
    },
  };
}

export function envelope(streamId: string, revision: number, event: Event): EventEnvelope {
  return {
    eventId: `${streamId}/${revision}`,
    streamId,
    revision,
    position: (revision + 1) * 10,
    recordedAt: recordedAt(revision),
    type: event.type,
    schemaVersion: 1,
    data: event.data,
    metadata: {
      actor: { subject: 'teller-1', roles: ['teller'] },
      correlationId: 'c',
      causationId: 'c',
      commandId: 'c',
    },
    hash: '',
  };
}

export const recordedAt = (revision: number): string =>
  new Date(Date.UTC(2026, 11, 1, 10, revision)).toISOString();
