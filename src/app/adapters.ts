import type { Provider } from '@nestjs/common';
import { join } from 'node:path';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/app-config.token';
import { ReadStoreDeadLetters } from '../dead-letters/read-store-dead-letters';
import { DEAD_LETTERS } from '../event-feed/dead-letters.port';
import { EVENT_FEED } from '../event-feed/event-feed.port';
import { EVENT_PUBLISHER } from '../event-feed/event-publisher.port';
import { EventStoreFeed } from '../event-feed/in-process/event-store-feed';
import { KafkaEventFeed } from '../event-feed/kafka/kafka-event-feed';
import { KafkaEventPublisher } from '../event-feed/kafka/kafka-event-publisher';
import { SqliteEventStore } from '../event-store/embedded/sqlite-event-store';
import { EventStoreDbEventStore } from '../event-store/eventstoredb/eventstoredb-event-store';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port';
import { UpcastingEventStore } from '../event-store/upcasting-event-store';
import { LedgerMetrics } from '../observability/ledger-metrics';
import { SqliteReadStore } from '../read-store/embedded/sqlite-read-store';
import { MongoReadStore } from '../read-store/mongodb/mongo-read-store';
import { READ_STORE, type ReadStore } from '../read-store/read-store.port';

/** Binds each port to the adapter the configuration names: the only place that chooses. */
export function adapters(config: AppConfig): Provider[] {
  const { eventStore, readStore, transport } = config;
  const configuredEventStore = (metrics: LedgerMetrics): EventStore => {
    if (eventStore.kind === 'eventstoredb') {
      return new EventStoreDbEventStore({
        connectionString: eventStore.url,
        skippedEvents: metrics.eventStoreSkipped,
      });
    }
    return new SqliteEventStore({ file: join(config.dataDir, 'events.sqlite') });
  };
  const providers: Provider[] = [
    { provide: APP_CONFIG, useValue: config },
    {
      provide: EVENT_STORE,
      // Every reader (commands, projections, relay, analytics) sees events in their current shape.
      inject: [LedgerMetrics],
      useFactory: (metrics: LedgerMetrics) =>
        new UpcastingEventStore(configuredEventStore(metrics)),
    },
    {
      provide: READ_STORE,
      useFactory: () =>
        readStore.kind === 'mongodb'
          ? new MongoReadStore({ url: readStore.url })
          : new SqliteReadStore({ file: join(config.dataDir, 'read-models.sqlite') }),
    },
    {
      provide: DEAD_LETTERS,
      inject: [READ_STORE],
      useFactory: (store: ReadStore) => new ReadStoreDeadLetters(store),
    },
  ];
  if (transport.kind === 'kafka') {
    const kafka = {
      brokers: transport.brokers,
      topic: transport.topic,
      security: transport.security,
    };
    providers.push(
      { provide: EVENT_FEED, useFactory: () => new KafkaEventFeed(kafka) },
      { provide: EVENT_PUBLISHER, useFactory: () => new KafkaEventPublisher(kafka) },
    );
  } else {
    providers.push({
      provide: EVENT_FEED,
      inject: [EVENT_STORE],
      useFactory: (store: EventStore) => new EventStoreFeed(store),
    });
  }
  return providers;
}
