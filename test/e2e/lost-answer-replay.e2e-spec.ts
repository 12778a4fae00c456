import { join } from 'node:path';
import { SqliteEventStore } from '../../src/event-store/embedded/sqlite-event-store';
import { EventStoreDbEventStore } from '../../src/event-store/eventstoredb/eventstoredb-event-store';
import { RESEND_LOOK_BACK } from '../../src/event-store/eventstoredb/eventstoredb-stream-tails';
import { asClient, FakeClient } from '../support/fake-eventstoredb-client';
import { describeLostAnswerReplay } from '../support/lost-answer-replay';
import { WindowedResendsEventStore } from '../support/windowed-resends-event-store';

/**
 * A lost Idempotency-Key answer replayed far behind (test/support/lost-answer-replay.ts). The
 * embedded store would recognise the re-send at any age by its event-id index, so the same runs
 * behind stores that recognise re-sends only in a window: the embedded one made so, and the
 * EventStoreDB adapter itself over a fake of its client (against a real server:
 * test/contract/eventstoredb-event-store.int-spec.ts).
 */

describeLostAnswerReplay('lost Idempotency-Key answers on the embedded store', () => ({}));

describeLostAnswerReplay(
  `lost Idempotency-Key answers behind a store that recognises re-sends in its last ${RESEND_LOOK_BACK} events`,
  () => ({
    wiring: {
      eventStore: (config) =>
        new WindowedResendsEventStore(
          new SqliteEventStore({ file: join(config.dataDir, 'events.sqlite') }),
          RESEND_LOOK_BACK,
        ),
    },
  }),
);

describeLostAnswerReplay(
  'lost Idempotency-Key answers on the EventStoreDB adapter (over a fake of its client)',
  () => ({
    wiring: {
      eventStore: () =>
        new EventStoreDbEventStore({
          connectionString: 'esdb://127.0.0.1:1?tls=false',
          client: asClient(new FakeClient()),
        }),
    },
  }),
);
