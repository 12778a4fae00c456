import { type DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/app-config.token';
import { DEAD_LETTERS } from '../event-feed/dead-letters.port';
import { EVENT_FEED } from '../event-feed/event-feed.port';
import { EVENT_PUBLISHER } from '../event-feed/event-publisher.port';
import { EVENT_STORE, STORED_EVENT_STORE } from '../event-store/event-store.port';
import { READ_STORE } from '../read-store/read-store.port';
import { STORAGE_CHECKS } from '../observability/storage-check.port';
import { FOLD_VIEW } from '../history/fold-view.port';
import { ownerRefView } from '../privacy/owner-ref-view';
import { PersonalDataSealer } from '../privacy/personal-data-sealer';
import { SubjectIndex } from '../privacy/subject-index';
import { SUBJECT_KEY_STORE } from '../privacy/subject-key-store.port';
import { CheckpointStore } from '../subscriptions/checkpoint-store';
import { adapters } from './adapters';
import { StoresLifecycle } from './stores-lifecycle';

/**
 * The configuration and every port bound to its adapter, available to all feature modules, so a
 * feature module declares only its own controllers and services.
 */
@Module({})
export class PortsModule {
  static forRoot(config: AppConfig): DynamicModule {
    const tokens = [
      APP_CONFIG,
      EVENT_STORE,
      STORED_EVENT_STORE,
      READ_STORE,
      EVENT_FEED,
      DEAD_LETTERS,
      STORAGE_CHECKS,
      SUBJECT_KEY_STORE,
      SubjectIndex,
      PersonalDataSealer,
      FOLD_VIEW,
    ];
    if (config.transport.kind === 'kafka') tokens.push(EVENT_PUBLISHER);
    return {
      global: true,
      module: PortsModule,
      providers: [
        ...adapters(config),
        {
          provide: FOLD_VIEW,
          inject: [SubjectIndex],
          useFactory: (index: SubjectIndex) => ownerRefView(index),
        },
        CheckpointStore,
        StoresLifecycle,
      ],
      exports: [...tokens, CheckpointStore],
    };
  }
}
