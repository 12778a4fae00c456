import {
  ErrorType,
  convertToCommandError,
  isCommandError,
  type StreamingRead,
} from '@eventstore/db-client';
import { EventStoreUnavailableError } from '../event-store.errors';

/**
 * Client errors that mean "the store cannot answer now", whatever was asked:
 * - UNAVAILABLE: no connection, connection lost, node shutting down.
 * - DEADLINE_EXCEEDED: the call's deadline passed before an answer.
 * - TIMEOUT: gRPC ABORTED, the server's own prepare/commit timeout (cluster too slow or split).
 * - CANCELLED: the server cancelled the call (not us: the client drops its own cancellations).
 * - NOT_LEADER: the node lost leadership; the client reconnects to the leader on the next call.
 * Everything else (access denied, deleted stream, append too large, invalid argument, unknown
 * server errors) is a fault to fix, not to wait out, and is passed on unchanged.
 */
const UNAVAILABLE_TYPES: ReadonlySet<ErrorType> = new Set([
  ErrorType.UNAVAILABLE,
  ErrorType.DEADLINE_EXCEEDED,
  ErrorType.TIMEOUT,
  ErrorType.CANCELLED,
  ErrorType.NOT_LEADER,
]);

/** gRPC RESOURCE_EXHAUSTED: the server sheds load; the client reports it as an unknown error. */
const GRPC_RESOURCE_EXHAUSTED = 8;

/** What the client throws when gossip or DNS discovery finds no node to talk to. */
const DISCOVERY_FAILED = /^Failed to discover after \d+ attempts/;

export function isUnavailable(error: unknown): boolean {
  if (error instanceof EventStoreUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  // Some paths hand on raw gRPC errors (fetching server features before an append does).
  const converted = convertToCommandError(error);
  if (isCommandError(converted)) {
    return UNAVAILABLE_TYPES.has(converted.type) || converted.code === GRPC_RESOURCE_EXHAUSTED;
  }
  return DISCOVERY_FAILED.test(error.message);
}

/** The error the port promises for `error`: unavailability becomes EventStoreUnavailableError. */
export function toStoreError(error: unknown, operation: string): unknown {
  if (error instanceof EventStoreUnavailableError || !isUnavailable(error)) return error;
  const reason = error instanceof Error && error.message ? error.message : String(error);
  return new EventStoreUnavailableError(`${operation}: EventStoreDB is unavailable (${reason})`, {
    cause: error,
  });
}

function timedOut(operation: string, ms: number): EventStoreUnavailableError {
  return new EventStoreUnavailableError(
    `${operation}: no answer from EventStoreDB within ${ms} ms`,
  );
}

/**
 * Settles with `work`, or rejects with EventStoreUnavailableError after `ms`. The client leaves
 * some calls without a deadline of their own (server features, batch appends over a connection
 * that died silently), so every call goes through this.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, operation: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(timedOut(operation, ms)), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Reads a finite client read to the end. The client gives reads no deadline, so this cancels the
 * read and rejects with EventStoreUnavailableError once `idleMs` pass without the server sending
 * anything: a long read that keeps arriving is fine, a stalled one is not.
 */
export function collect<T>(
  read: StreamingRead<T>,
  idleMs: number,
  operation: string,
): Promise<T[]> {
  return new Promise<T[]>((resolve, reject) => {
    const items: T[] = [];
    let settled = false;
    let lastActivity = Date.now();
    let timer: NodeJS.Timeout | undefined;

    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      read.removeListener('data', onData);
      if (error === undefined) resolve(items);
      else reject(error);
    };
    const onData = (item: T) => {
      lastActivity = Date.now();
      items.push(item);
    };
    const watch = () => {
      const idle = Date.now() - lastActivity;
      if (idle < idleMs) {
        timer = setTimeout(watch, idleMs - idle);
        return;
      }
      read.cancel().catch(() => undefined);
      settle(timedOut(operation, idleMs));
    };

    // Stays attached: a stream that errors with no listener would crash the process.
    read.on('error', (error) => settle(error));
    read.once('end', () => settle());
    read.on('data', onData);
    timer = setTimeout(watch, idleMs);
  });
}
