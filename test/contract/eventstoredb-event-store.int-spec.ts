import { EventStoreDBClient } from '@eventstore/db-client';
import { EventStoreDbEventStore } from '../../src/event-store/eventstoredb/eventstoredb-event-store';
import { describeCommandReadsOnEventStoreDb } from '../support/eventstoredb-command-reads';
import { describeLostAnswerReplay } from '../support/lost-answer-replay';
import { describeEventStoreContract } from './event-store.contract';

/**
 * Runs the event store contract against a real EventStoreDB (22.6 or later), for example
 * EVENTSTORE_URL='esdb://localhost:2113?tls=false', and then the behaviour of the whole app on it
 * that depends on how the server answers. Every test writes to fresh streams, so a long-lived
 * server can be reused; with EVENTSTORE_URL set, a server that does not answer fails every test.
 *
 * No EventStoreDB is started for this suite: without EVENTSTORE_URL it is skipped, and says so
 * in its title. This is the one agreed exception to failing loudly when infrastructure is missing.
 */
const url = process.env.EVENTSTORE_URL;

(url ? describe : describe.skip)('EventStoreDB adapter (set EVENTSTORE_URL to run)', () => {
  const open = () => new EventStoreDbEventStore({ connectionString: url ?? '' });

  describeEventStoreContract(
    'EventStoreDbEventStore',
    async () => {
      const store = open();
      return {
        store,
        reopen: async () => open(),
        // The server keeps the streams; they are unique per test, so there is nothing to remove.
        cleanup: () => store.close(),
      };
    },
    { detectsIdsOfOtherStreams: false },
  );

  describeCommandReadsOnEventStoreDb('events read per command, counted at the client', () => ({
    connectionString: url ?? '',
    connect: () => EventStoreDBClient.connectionString(url ?? ''),
  }));

  describeLostAnswerReplay('a lost Idempotency-Key answer replayed far behind', () => ({
    overrides: { eventStore: { kind: 'eventstoredb', url: url ?? '' } },
  }));
});
