import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app/app.module';
import { configureApp } from '../../src/app/configure-app';
import { LedgerHttpAdapter } from '../../src/app/ledger-http-adapter';
import { type AppConfig, loadConfig } from '../../src/config/app-config';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port';
import { UpcastingEventStore } from '../../src/event-store/upcasting-event-store';
import { PersonalDataSealer } from '../../src/privacy/personal-data-sealer';
import { SealingEventStore } from '../../src/privacy/sealing-event-store';
import { READ_STORE, type ReadStore } from '../../src/read-store/read-store.port';
import { removeDataDir, tempDataDir } from '../../harness/data-dir';
import { apiClient } from '../../harness/http-client';
import type { LedgerlineClient } from '../../client/ledgerline-client';

export interface RunningLedger {
  app: NestExpressApplication;
  baseUrl: string;
  dataDir: string;
  /** Events as stored: personal fields sealed (what projections, the relay and audit read). */
  eventStore: EventStore;
  /** The same events with personal fields opened, as analysts' answers show them. */
  openedEventStore: EventStore;
  readStore: ReadStore;
  /** Stops the app (as SIGTERM would); the data folder stays for a restart. */
  stop(): Promise<void>;
}

export interface LedgerWiring {
  /** The event store adapter in place of the one the configuration names (sealed and upcast as usual). */
  eventStore?: (config: AppConfig) => EventStore;
}

/** The whole embedded system, listening on a free port, as `npm start` would run it. */
export async function startLedger(
  dataDir: string = tempDataDir(),
  overrides: Partial<AppConfig> = {},
  wiring: LedgerWiring = {},
): Promise<RunningLedger> {
  const config = {
    ...loadConfig({ DATA_DIR: dataDir, PORT: '0' }),
    exitOnFatalError: false,
    logLevel: 'silent' as const,
    ...overrides,
  };
  const builder = Test.createTestingModule({ imports: [AppModule.forRoot(config)] });
  const { eventStore } = wiring;
  if (eventStore) {
    builder.overrideProvider(SealingEventStore).useFactory({
      inject: [PersonalDataSealer],
      factory: (sealer: PersonalDataSealer) => new SealingEventStore(eventStore(config), sealer),
    });
  }
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>(
    new LedgerHttpAdapter(config),
    { bodyParser: false, logger: ['error'] },
  );
  configureApp(app, config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    baseUrl: `${config.tls ? 'https' : 'http'}://127.0.0.1:${address.port}`,
    dataDir,
    eventStore: app.get(EVENT_STORE),
    openedEventStore: new UpcastingEventStore(app.get(SealingEventStore).opened),
    readStore: app.get(READ_STORE),
    stop: () => app.close(),
  };
}

/**
 * The embedded system for the tests of one describe block: started before them (`onStarted`
 * keeps it in the block's own variables), stopped and its data folder removed after them.
 */
export function ledgerForSuite(
  onStarted: (ledger: RunningLedger) => void | Promise<void>,
  overrides: Partial<AppConfig> = {},
): void {
  let ledger: RunningLedger | undefined;
  beforeAll(async () => {
    ledger = await startLedger(undefined, overrides);
    await onStarted(ledger);
  });
  afterAll(async () => {
    if (!ledger) return;
    await ledger.stop();
    removeDataDir(ledger.dataDir);
  });
}

/** ledgerForSuite for suites that talk to it through the typed client, as staff. */
export function ledgerAndApiForSuite(overrides: Partial<AppConfig> = {}) {
  const suite = {} as { ledger: RunningLedger; api: LedgerlineClient };
  ledgerForSuite((started) => {
    suite.ledger = started;
    suite.api = apiClient(started.baseUrl);
  }, overrides);
  return suite;
}
