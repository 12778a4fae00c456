import { Module } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port';
import { PrivacyController } from './privacy.controller';
import { SubjectErasure } from './subject-erasure';
import { SubjectIndex } from './subject-index';
import { SUBJECT_KEY_STORE, type SubjectKeyStore } from './subject-key-store.port';

/**
 * Erasure requests, served by the api. Sealing itself is not here: it wraps the event store in
 * the ports module, for every role.
 */
@Module({
  controllers: [PrivacyController],
  providers: [
    {
      provide: SubjectErasure,
      inject: [EVENT_STORE, SUBJECT_KEY_STORE, SubjectIndex],
      useFactory: (events: EventStore, keys: SubjectKeyStore, index: SubjectIndex) =>
        new SubjectErasure(events, keys, index),
    },
  ],
})
export class PrivacyModule {}
