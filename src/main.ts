import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppModule } from './app/app.module';
import { configureApp } from './app/configure-app';
import { LedgerHttpAdapter } from './app/ledger-http-adapter';
import { type AppConfig, ConfigError, loadConfig } from './config/app-config';
import { assertDataDirUsable } from './config/data-dir';
import { EventStoreDbConnectionError } from './event-store/eventstoredb/eventstoredb-connection';
import { checkConnection } from './event-store/eventstoredb/eventstoredb-tls-probe';
import { Readiness } from './observability/readiness';

/** How long the start-up TLS check waits for EventStoreDB's handshake. */
const START_UP_PROBE_MS = 3000;

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  if (config.eventStore.kind === 'embedded' || config.readStore.kind === 'embedded') {
    assertDataDirUsable(config.dataDir);
  }
  if (config.eventStore.kind === 'eventstoredb') {
    await checkConnection(config.eventStore.url, START_UP_PROBE_MS);
  }
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config),
    new LedgerHttpAdapter(config),
    // abortOnError: false hands a start-up failure to the catch below instead of aborting.
    { bodyParser: false, bufferLogs: true, abortOnError: false },
  );
  configureApp(app, config);
  await app.listen(config.port, config.host);
  const scheme = config.tls ? 'https' : 'http';
  app
    .get(Logger)
    .log(
      `Listening on ${scheme}://${config.host}:${config.port} as ${config.role} (data in ${config.dataDir}); docs at /docs`,
    );
  stopGracefullyOn(['SIGTERM', 'SIGINT'], app, config);
}

/**
 * Readiness fails first (so a load balancer drains this instance), then the server stops taking
 * connections and finishes the requests in flight, then the relay and consumers stop with their
 * checkpoints saved and the stores close. Exit 0, or 1 when it took longer than allowed or a
 * consumer had failed for good.
 */
function stopGracefullyOn(
  signals: NodeJS.Signals[],
  app: NestExpressApplication,
  config: AppConfig,
): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const logger = app.get(Logger);
    logger.log(`${signal}: draining`);
    setTimeout(() => {
      logger.error(`shutdown took longer than ${config.shutdownTimeoutMs} ms; exiting`);
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    app.get(Readiness).drain();
    await sleep(config.drainDelayMs);
    await app.close();
    process.exit(process.exitCode ?? 0);
  };
  for (const signal of signals) process.on(signal, (s: NodeJS.Signals) => void stop(s));
}

// A refused setting is one line naming it: an operator's mistake, not a crash to debug.
bootstrap().catch((error: unknown) => {
  const oneLine = error instanceof ConfigError || error instanceof EventStoreDbConnectionError;
  console.error(oneLine ? error.message : error);
  process.exit(1);
});
