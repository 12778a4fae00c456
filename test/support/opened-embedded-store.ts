import { join } from 'node:path';
import { SqliteEventStore } from '../../src/event-store/embedded/sqlite-event-store';
import type { EventStore } from '../../src/event-store/event-store.port';
import { UpcastingEventStore } from '../../src/event-store/upcasting-event-store';
import { SqliteSubjectKeyStore } from '../../src/privacy/embedded/sqlite-subject-key-store';
import { PersonalDataSealer } from '../../src/privacy/personal-data-sealer';
import { loadPrivacyConfig } from '../../src/privacy/privacy-config';
import { SealingEventStore } from '../../src/privacy/sealing-event-store';
import { SubjectIndex } from '../../src/privacy/subject-index';

/**
 * The embedded event store of a data folder opened in the test's own process, read as analysts'
 * answers show it: upcast, with personal fields opened by the folder's own (development) master
 * key and key store. `close` closes both files.
 */
export function openedEmbeddedStore(dataDir: string): EventStore {
  const privacy = loadPrivacyConfig({}, dataDir);
  const keys = new SqliteSubjectKeyStore(privacy.keyStoreFile, privacy.wrappingKey);
  const raw = new SqliteEventStore({ file: join(dataDir, 'events.sqlite') });
  const sealing = new SealingEventStore(
    raw,
    new PersonalDataSealer(keys, new SubjectIndex(privacy.indexKey)),
  );
  const opened = new UpcastingEventStore(sealing.opened);
  const close = opened.close.bind(opened);
  opened.close = async () => {
    await close();
    await keys.close();
  };
  return opened;
}
