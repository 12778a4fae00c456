import { Logger, type Provider } from '@nestjs/common';
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
import {
  type EventStoreObserver,
  SqliteEventStore,
} from '../event-store/embedded/sqlite-event-store';
import { EventStoreDbEventStore } from '../event-store/eventstoredb/eventstoredb-event-store';
import { EVENT_STORE, type EventStore, STORED_EVENT_STORE } from '../event-store/event-store.port';
import { UpcastingEventStore } from '../event-store/upcasting-event-store';
import { LedgerMetrics } from '../observability/ledger-metrics';
import { SqliteReadStore } from '../read-store/embedded/sqlite-read-store';
import { MongoReadStore } from '../read-store/mongodb/mongo-read-store';
import { READ_STORE, type ReadStore } from '../read-store/read-store.port';
import { hasStorageChecks, STORAGE_CHECKS } from '../observability/storage-check.port';
import { SqliteSubjectKeyStore } from '../privacy/embedded/sqlite-subject-key-store';
import { PersonalDataSealer } from '../privacy/personal-data-sealer';
import { loadPrivacyConfig, PRIVACY_CONFIG, type PrivacyConfig } from '../privacy/privacy-config';
import { SealingEventStore } from '../privacy/sealing-event-store';
import { SubjectIndex } from '../privacy/subject-index';
import { SUBJECT_KEY_STORE, type SubjectKeyStore } from '../privacy/subject-key-store.port';

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
    return new SqliteEventStore({
      file: join(config.dataDir, 'events.sqlite'),
      observer: embeddedStoreObserver(metrics),
      clock: config.clock,
    });
  };
  const providers: Provider[] = [
    { provide: APP_CONFIG, useValue: config },
    ...privacy(config),
    {
      // Personal fields are sealed before the store hashes and appends them.
      provide: SealingEventStore,
      inject: [LedgerMetrics, PersonalDataSealer],
      useFactory: (metrics: LedgerMetrics, sealer: PersonalDataSealer) =>
        new SealingEventStore(configuredEventStore(metrics), sealer),
    },
    // The stored form, as audit reads it: personal fields sealed, hashes over the ciphertext.
    { provide: STORED_EVENT_STORE, useExisting: SealingEventStore },
    {
      provide: EVENT_STORE,
      // Every reader (commands, projections, relay, analytics) sees events in their current shape,
      // with personal fields sealed: commands fold blind indexes, read models keep sealed values.
      inject: [STORED_EVENT_STORE],
      useFactory: (stored: EventStore) => new UpcastingEventStore(stored),
    },
    {
      provide: READ_STORE,
      useFactory: () =>
        readStore.kind === 'mongodb'
          ? new MongoReadStore({ url: readStore.url })
          : new SqliteReadStore({ file: join(config.dataDir, 'read-models.sqlite') }),
    },
    {
      // Readiness checks of the stores' own files, where the adapter has files to check.
      provide: STORAGE_CHECKS,
      inject: [SealingEventStore, READ_STORE],
      useFactory: (events: SealingEventStore, reads: ReadStore) =>
        [events.underlying, reads].flatMap((store) =>
          hasStorageChecks(store) ? store.storageChecks() : [],
        ),
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
      {
        provide: EVENT_FEED,
        useFactory: () => new KafkaEventFeed({ ...kafka, partitionsAtOnce: transport.partitions }),
      },
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

/** Subject keys in their own file, wrapped by the master key; the blind index; the sealer. */
function privacy(config: AppConfig): Provider[] {
  return [
    {
      provide: PRIVACY_CONFIG,
      useFactory: () => loadPrivacyConfig(process.env, config.dataDir),
    },
    {
      provide: SUBJECT_KEY_STORE,
      inject: [PRIVACY_CONFIG],
      useFactory: (privacy: PrivacyConfig) =>
        new SqliteSubjectKeyStore(privacy.keyStoreFile, privacy.wrappingKey),
    },
    {
      provide: SubjectIndex,
      inject: [PRIVACY_CONFIG],
      useFactory: (privacy: PrivacyConfig) => new SubjectIndex(privacy.indexKey),
    },
    {
      provide: PersonalDataSealer,
      inject: [SUBJECT_KEY_STORE, SubjectIndex],
      useFactory: (keys: SubjectKeyStore, index: SubjectIndex) =>
        new PersonalDataSealer(keys, index),
    },
  ];
}

/** A clock that stays behind clamps every append; one log line per this long is enough. */
const CLOCK_LOG_INTERVAL_MS = 10_000;

function embeddedStoreObserver(metrics: LedgerMetrics): EventStoreObserver {
  const logger = new Logger(SqliteEventStore.name);
  let loggedAt = -Infinity;
  let unlogged = 0;
  return {
    groupCommitted: (size) => metrics.appendGroupSize.observe(size),
    clockSteppedBack: (clock, recordedAt) => {
      metrics.clockStepsBack.inc();
      unlogged++;
      if (performance.now() - loggedAt < CLOCK_LOG_INTERVAL_MS) return;
      logger.warn(
        `Clock stepped back: it read ${clock}, behind the log's last recorded time ` +
          `${recordedAt}; ${unlogged} append(s) stored at the last recorded time instead`,
      );
      loggedAt = performance.now();
      unlogged = 0;
    },
  };
}
