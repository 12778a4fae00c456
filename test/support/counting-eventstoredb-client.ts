import type { EventStoreDbClient } from '../../src/event-store/eventstoredb/eventstoredb-connection';

/** One `readStream` call the adapter made, and how many events the client handed it. */
export interface ClientStreamRead {
  streamName: string;
  direction: 'forwards' | 'backwards';
  events: number;
}

/**
 * Any EventStoreDB client (the real one or a fake), with a record of the stream reads made
 * through it and of the events each delivered: the count at the client boundary, below the
 * adapter, so nothing the adapter reads for itself goes uncounted.
 */
export class CountingEventStoreDbClient {
  private reads: ClientStreamRead[] = [];
  readonly client: EventStoreDbClient;

  constructor(inner: EventStoreDbClient) {
    const readStream = ((streamName: string, options?: { direction?: string }) => {
      const read = inner.readStream(streamName, options as never);
      const record: ClientStreamRead = {
        streamName,
        direction: options?.direction === 'backwards' ? 'backwards' : 'forwards',
        events: 0,
      };
      this.reads.push(record);
      read.on('data', () => record.events++);
      return read;
    }) as EventStoreDbClient['readStream'];
    this.client = {
      appendToStream: inner.appendToStream.bind(inner),
      readStream,
      readAll: inner.readAll.bind(inner),
      subscribeToAll: inner.subscribeToAll.bind(inner),
      getStreamMetadata: inner.getStreamMetadata.bind(inner),
      dispose: inner.dispose.bind(inner),
    };
  }

  /** The reads of `streamName` since the last call. */
  take(streamName: string): ClientStreamRead[] {
    const taken = this.reads.filter((read) => read.streamName === streamName);
    this.reads = [];
    return taken;
  }
}
