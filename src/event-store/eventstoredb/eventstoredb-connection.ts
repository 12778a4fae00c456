import type { Credentials, EndPoint, EventStoreDBClient } from '@eventstore/db-client';
import { parseConnectionString } from '@eventstore/db-client/dist/Client/parseConnectionString';

/** The client calls this adapter makes; a test hands in a fake with the client's own shapes. */
export type EventStoreDbClient = Pick<
  EventStoreDBClient,
  'appendToStream' | 'readStream' | 'readAll' | 'subscribeToAll' | 'getStreamMetadata' | 'dispose'
>;

export interface EventStoreDbConnection {
  /** Whether the connection string asks for TLS (`tls=false` turns it off; the default is on). */
  tls: boolean;
  hosts: EndPoint[];
  /**
   * Sent with every append. Any credentials make the client take its plain Append call instead of
   * BatchAppend, which matters twice over (client 6.2.1, streams/appendToStream/index.ts):
   * - BatchAppend is only used after a server-features call whose promise the client caches, and a
   *   features call that fails with DEADLINE_EXCEEDED or UNKNOWN is never retried (the cache is
   *   only cleared on UNAVAILABLE, CANCELLED and NOT_LEADER): every later append would fail with it
   *   until the process restarts, while reads, which do not ask, stay healthy.
   * - BatchAppend sends its deadline as an absolute time that the server compares with its own
   *   clock, so a client clock a few seconds behind the server's times every append out; Append
   *   uses the gRPC deadline, which travels as a relative grpc-timeout.
   * Over an insecure connection the client sends no authorization header for them (it ignores
   * credentials there), so placeholders do.
   */
  appendCredentials: Credentials;
}

/** The connection string is unusable as given; the message names what to change. */
export class EventStoreDbConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventStoreDbConnectionError';
  }
}

const INSECURE_PLACEHOLDER: Credentials = { username: 'ledgerline', password: 'insecure' };

/**
 * Parses the connection string, the way the client does. A secure connection needs a user: with
 * TLS on, EventStoreDB authenticates every call, and reading $all takes a member of $admins (its
 * default $all ACL), which the relay and projections do.
 */
export function parseConnection(connectionString: string): EventStoreDbConnection {
  const options = parseConnectionString(connectionString);
  const tls = options.tls !== false;
  if (tls && !options.defaultCredentials) {
    throw new EventStoreDbConnectionError(
      'EVENTSTORE_URL uses TLS but names no user: give one that is in $admins (reading $all ' +
        'needs it), e.g. esdb://admin:changeit@host:2113, or add ?tls=false for an insecure server',
    );
  }
  return {
    tls,
    hosts: options.hosts,
    appendCredentials: options.defaultCredentials ?? INSECURE_PLACEHOLDER,
  };
}
