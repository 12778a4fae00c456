import type { EventEnvelope } from '../event-store/event-envelope';
import type { IndexSpec, ReadDocument } from '../read-store/read-store.port';

/**
 * Every projected document derives from exactly one stream and remembers the revision and global
 * position of the last event applied to it: that is what makes redelivery harmless.
 */
export interface ProjectedDocument extends ReadDocument {
  revision: number;
  position: number;
}

/** A read model: a pure fold from (document, event) to document, and the events it needs. */
export interface Projection<D extends ProjectedDocument = ProjectedDocument> {
  readonly name: string;
  /** Raised when the fold changes, so that the read model is rebuilt rather than mixed. */
  readonly version: number;
  readonly collection: string;
  readonly handles: readonly string[];
  /**
   * True when `handles` covers every event type of the streams it reads, so each document must see
   * revisions 0, 1, 2… without a gap; a gap then means events were lost in transit.
   */
  readonly seesWholeStreams: boolean;
  /**
   * True when every event makes a document of its own (`documentId` names the event), so a
   * document is never folded twice: the consumer inserts without reading first, and only a
   * redelivered event, whose insert collides, costs the read.
   */
  readonly documentPerEvent?: boolean;
  readonly indexes: readonly IndexSpec[];
  documentId(event: EventEnvelope): string;
  evolve(document: D | null, event: EventEnvelope): D;
}
