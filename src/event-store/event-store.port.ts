import type { EventEnvelope, NewEvent } from './event-envelope';
import type { ExpectedRevision } from './expected-revision';

/** The event store every reader uses: events of older schema versions lifted to their current shape. */
export const EVENT_STORE = Symbol('EVENT_STORE');
/**
 * The same store underneath the upcasting, events exactly as stored: for the audit trail, whose
 * hashes, exports and anchors are of the stored form (a lifted event keeps its stored hash).
 */
export const STORED_EVENT_STORE = Symbol('STORED_EVENT_STORE');

export interface AppendResult {
  /** Revision of the last event in the stream after the append. */
  revision: number;
  /** Global position of the last event written. */
  position: number;
}

/** Where one stored event sits. */
export interface EventLocation {
  revision: number;
  position: number;
}

export interface FindEventOptions {
  /**
   * The event, if stored at all, was recorded no earlier than this (ISO-8601 UTC): an adapter with
   * no index by event id may stop looking at older events, allowing for clock skew between hosts.
   */
  recordedSince?: string;
}

export interface ReadStreamOptions {
  direction?: 'forwards' | 'backwards';
  /** Inclusive start revision; forwards defaults to 0, backwards to the last event. */
  fromRevision?: number;
  maxCount?: number;
}

/**
 * Where a read or subscription of the global log may start (`after`, exclusive): 0, or a position
 * this store handed out (an event's `position` from any read, subscription or append result, or
 * `headPosition()`). Any other number is a caller bug: EventStoreDB refuses it with
 * InvalidPositionError (its positions are byte offsets in its log, and a read must start on a record
 * boundary). The embedded store's positions are dense, so every number up to its head is one it
 * handed out. A checkpoint kept for one store is therefore never carried over to another.
 */
export type LogPosition = number;

export interface ReadAllOptions {
  /** Exclusive: events with a position strictly greater than this; see LogPosition. */
  after?: LogPosition;
  maxCount?: number;
}

export interface SubscribeOptions {
  /** Exclusive checkpoint: the position of the last event the subscriber has handled, or 0. */
  after: LogPosition;
  /** Largest batch handed to the handler at once. */
  batchSize?: number;
}

export type BatchHandler = (events: EventEnvelope[]) => Promise<void>;

export interface Subscription {
  /** Stops reading; resolves once the batch being handled (if any) has finished. */
  stop(): Promise<void>;
  /** Resolves when the subscription ends; rejects with the handler's or the store's error. */
  readonly done: Promise<void>;
}

export interface EventStore {
  /**
   * Appends atomically, checking the expected revision. Re-sending an append whose event ids are
   * all stored in this stream already, in the same order, writes nothing and returns the revision
   * and position of the last re-sent event, whatever the expected revision says (the EventStoreDB
   * adapter looks back a bounded window for it: see its documentation).
   * A stream deleted outside Ledgerline is refused with StreamDeletedError.
   */
  append(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  /**
   * Events of one stream; an unknown stream reads as empty. A stream deleted, or cut short, outside
   * Ledgerline throws StreamDeletedError rather than read as empty or partial.
   */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<EventEnvelope[]>;
  /**
   * Where the event with this id sits in this stream, or undefined when the stream does not hold
   * it. For the rare paths that must tell a replayed command from a new one (see CommandExecutor);
   * each adapter documents its cost.
   */
  findEvent(
    streamId: string,
    eventId: string,
    options?: FindEventOptions,
  ): Promise<EventLocation | undefined>;
  /**
   * Events of the global log in position order: every event Ledgerline wrote, including those of
   * streams deleted since. Events the store holds that Ledgerline did not write (another
   * application's, the store's own) are skipped, each counted and logged by the adapter.
   */
  readAll(options?: ReadAllOptions): Promise<EventEnvelope[]>;
  /** Position of the newest event in the global log, 0 when empty. */
  headPosition(): Promise<number>;
  /**
   * Catch-up subscription over the global log: hands over every event after the checkpoint in
   * position order, then turns live without gaps or duplicates. The next batch is read only after
   * the handler's promise resolves, so a slow handler applies back-pressure. A handler that throws
   * ends the subscription.
   */
  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription;
  close(): Promise<void>;
}
