import {
  MongoNetworkError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import { DuplicateKeyError, ReadStoreUnavailableError } from '../read-store.errors';

const DUPLICATE_KEY = 11000;
const NAMESPACE_NOT_FOUND = 26;

/** Runs one driver call, translating its errors into the read store's own. */
export async function translatingErrors<R>(collection: string, call: () => Promise<R>): Promise<R> {
  try {
    return await call();
  } catch (error) {
    throw translate(error, collection);
  }
}

function translate(error: unknown, collection: string): unknown {
  if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) {
    return new DuplicateKeyError(collection, duplicateKeyOf(error));
  }
  // Network errors cover a connection reset mid-call and a socket timeout on a hung server; server
  // selection covers a server that is down or not yet up.
  if (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoTopologyClosedError
  ) {
    return new ReadStoreUnavailableError(`MongoDB unavailable: ${error.message}`, { cause: error });
  }
  return error;
}

/**
 * MongoDB and mongo-java-server both name the key in the message ("dup key: { _id: "a" }"); only
 * MongoDB also returns it as `keyValue`, so the message is the one source that works for both.
 */
function duplicateKeyOf(error: MongoServerError): string {
  return /dup key: (.*)$/.exec(error.message)?.[1] ?? error.message;
}

/**
 * mongo-java-server answers a drop of a missing collection with "ns not found" and no code, which
 * the driver, looking for code 26, does not recognise as harmless.
 */
export function isNamespaceNotFound(error: unknown): boolean {
  return (
    error instanceof MongoServerError &&
    (error.code === NAMESPACE_NOT_FOUND || error.message === 'ns not found')
  );
}
