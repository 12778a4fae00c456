import {
  ErrorType,
  StreamDeletedError as EsdbStreamDeletedError,
  UnknownError,
  convertToCommandError,
  isCommandError,
  type StreamingRead,
} from '@eventstore/db-client';
import {
  EventStoreUnavailableError,
  InvalidPositionError,
  StreamDeletedError,
} from '../event-store.errors';

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

/**
 * A node that is not ready (starting, rebuilding its index), too busy, or between leaders. Append
 * answers these (KurrentDB v24.10 Streams.Append.cs / RpcExceptions.TryHandleNotHandled) as
 * UNAVAILABLE "Server Is Not Ready" / "Server Is Too Busy", which the client converts, but "No
 * leader info available in response" comes as UNKNOWN; BatchAppend (Streams.BatchAppend.cs) puts
 * all three in a Status whose details the client does not know, and reports "Could not recognize
 * <message>" as an UnknownError.
 */
const NOT_READY = /Server Is Not Ready|Server Is (Too )?Busy|No leader info available/i;

/**
 * A read of $all from a position that is not a record boundary: INVALID_ARGUMENT "Trying to read
 * from an invalid position." (KurrentDB v24.10 RpcExceptions.InvalidPositionException), which
 * client 6.2.1 does not convert, so it arrives as an UnknownError.
 */
const GRPC_INVALID_ARGUMENT = 3;
const INVALID_POSITION = /invalid ?position/i;

export function isUnavailable(error: unknown): boolean {
  if (error instanceof EventStoreUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  // Some paths hand on raw gRPC errors (fetching server features before an append does).
  const converted = convertToCommandError(error);
  if (isCommandError(converted)) {
    if (converted instanceof UnknownError && NOT_READY.test(converted.message)) return true;
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

/** The error the port promises for a read of $all from `after`, which the server may refuse. */
export function toReadAllError(error: unknown, after: number, operation: string): unknown {
  const refusedPosition =
    error instanceof Error &&
    INVALID_POSITION.test(error.message) &&
    (error instanceof UnknownError || (error as { code?: unknown }).code === GRPC_INVALID_ARGUMENT);
  if (refusedPosition) return new InvalidPositionError(after, { cause: error });
  return toStoreError(error, operation);
}

/** The error the port promises for a call on one stream: a tombstone is StreamDeletedError. */
export function toStreamError(error: unknown, streamId: string, operation: string): unknown {
  if (error instanceof EsdbStreamDeletedError) {
    return new StreamDeletedError(streamId, 'EventStoreDB holds a tombstone for it (hard delete)');
  }
  return toStoreError(error, operation);
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
