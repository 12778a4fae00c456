import { asClient, FakeClient } from '../../../test/support/fake-eventstoredb-client';
import { describeCommandReadsOnEventStoreDb } from '../../../test/support/eventstoredb-command-reads';

/**
 * Events read per command on EventStoreDB, counted at the client boundary over the fake of the
 * client (one "server" shared by every connection); against a real server the same runs in
 * test/contract/eventstoredb-event-store.int-spec.ts.
 */
const server = new FakeClient();

describeCommandReadsOnEventStoreDb('events read per command on EventStoreDB (fake client)', () => ({
  connectionString: 'esdb://127.0.0.1:1?tls=false',
  connect: () => asClient(server),
}));
