import type { NewEvent } from '../event-envelope';
import type { AppendResult } from '../event-store.port';
import type { ExpectedRevision } from '../expected-revision';
import type { StorageFaultReason } from '../../storage/storage-fault';

/**
 * Messages between the store (main thread) and its writer thread; structured-clone safe. Each
 * side posts what it has gathered as one array: a message costs about as much to post as a small
 * append costs to commit, so one per request would spend the thread's gain on the hand-over.
 */

export interface AppendRequest {
  kind: 'append';
  id: number;
  streamId: string;
  events: NewEvent[];
  expected: ExpectedRevision;
  /** The store's clock when the append was asked for; clamped to the log's last recorded time. */
  recordedAt: string;
}

/** Commits one row of its own, so that readiness proves a write still reaches the disk. */
export interface ProbeRequest {
  kind: 'probe';
  id: number;
  probedAt: string;
}

export type WriterRequest = AppendRequest | ProbeRequest | { kind: 'close' };

export type AppendFailure =
  | { kind: 'wrong-expected-revision'; expected: ExpectedRevision; actual: number | 'no-stream' }
  | { kind: 'partial-duplicate' }
  | { kind: 'storage'; reason: StorageFaultReason; message: string }
  | { kind: 'rejected'; message: string };

export type WriterReply =
  | {
      id: number;
      ok: true;
      result: AppendResult;
      /** Set when the clock had stepped back behind the log: what it said, what was stored. */
      clamped?: { clock: string; recordedAt: string };
      /** The commit this reply belongs to, numbered by the writer, and how many requests it held. */
      group: { seq: number; size: number };
    }
  | { id: number; ok: false; failure: AppendFailure };

/** Sent once the writer has opened its connection, or could not. */
export type WriterStartup =
  { ready: true } | { ready: false; reason: StorageFaultReason; message: string };
