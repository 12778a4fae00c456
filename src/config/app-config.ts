import { resolve } from 'node:path';
import { checkAuditSettings } from '../audit/audit-config';
import { type AuthConfig, loadAuthConfig } from '../auth/auth-config';
import { checkPrivacySettings } from '../privacy/privacy-config';
import { ConfigError } from './config-error';
import {
  checkEventStoreUrl,
  checkMongoUrl,
  kafkaSecurity,
  type KafkaSecurity,
} from './connection-security';
import { ledgerEnvironment } from './environment';
import { keyPair } from './pem-files';

export { ConfigError };

export type LedgerRole = 'all' | 'api' | 'relay' | 'projector';
export type EventStoreKind = 'embedded' | 'eventstoredb';
export type TransportKind = 'in-process' | 'kafka';
export type ReadStoreKind = 'embedded' | 'mongodb';

/** Every setting the process reads, typed and checked once at start-up. */
export interface AppConfig {
  /** Development allows the built-in token secret; production refuses it. */
  environment: 'development' | 'production';
  role: LedgerRole;
  port: number;
  host: string;
  /** PEM certificate (chain) and key: when given, the api serves HTTPS only. */
  tls?: { cert: string; key: string };
  /** Bounds on what one client connection may hold, so a slow client cannot pin a socket. */
  server: {
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    keepAliveTimeoutMs: number;
    maxConnections: number;
  };
  dataDir: string;
  /** Largest JSON body accepted, in bytes. */
  bodyLimitBytes: number;
  /** Longest a query waits for `consistentWith` before answering 503. */
  consistencyTimeoutMs: number;
  /** While a query waits for `consistentWith`, how often other processes' checkpoints are read. */
  consistencyPollMs: number;
  eventStore: { kind: 'embedded' } | { kind: 'eventstoredb'; url: string };
  transport:
    | { kind: 'in-process' }
    | {
        kind: 'kafka';
        brokers: string[];
        topic: string;
        partitions: number;
        security: KafkaSecurity;
      };
  readStore: { kind: 'embedded' } | { kind: 'mongodb'; url: string };
  /** Exit non-zero when a consumer keeps failing, for a supervisor to restart the process. */
  exitOnFatalError: boolean;
  /** /health/ready fails while a projection trails the head by more events than this. */
  readyMaxLagEvents: number;
  /** How long SIGTERM may take to drain, finish in-flight work and flush checkpoints. */
  shutdownTimeoutMs: number;
  /** How long readiness reports 503 before the server stops accepting connections. */
  drainDelayMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  auth: AuthConfig;
  /** Requests per minute for each authenticated subject, and for each client address. */
  rateLimit: { perSubject: number; perAddress: number };
  /** Express `trust proxy`: which proxies' X-Forwarded-For names the client; none by default. */
  trustProxy: string | false;
  /** Origins allowed by CORS; none by default. */
  corsOrigins: string[];
  /**
   * How commands load an aggregate: a snapshot every `snapshotEvery` events of a stream, and a
   * cache of folded states bounded by entries and bytes (0 entries turns the cache off).
   */
  aggregateState: { snapshotEvery: number; cacheMaxEntries: number; cacheMaxBytes: number };
  /** Stamps recordedAt in the embedded event store; never read from the environment, tests step it. */
  clock?: () => Date;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const role = oneOf(env, 'LEDGER_ROLE', ['all', 'api', 'relay', 'projector'], 'all');
  const environment = ledgerEnvironment(env);
  const production = environment === 'production';
  const requestTimeoutMs = integer(env, 'HTTP_REQUEST_TIMEOUT_MS', 30_000, 1000, 600_000);
  const config: AppConfig = {
    environment,
    role,
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: text(env, 'HOST', '127.0.0.1'),
    ...optional('tls', keyPair(env, 'TLS_CERT_FILE', 'TLS_KEY_FILE')),
    server: {
      // Node requires headersTimeout <= requestTimeout.
      headersTimeoutMs: integer(env, 'HTTP_HEADERS_TIMEOUT_MS', 10_000, 1000, requestTimeoutMs),
      requestTimeoutMs,
      keepAliveTimeoutMs: integer(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 5000, 0, 600_000),
      maxConnections: integer(env, 'HTTP_MAX_CONNECTIONS', 1024, 1, 1_000_000),
    },
    dataDir: resolve(text(env, 'DATA_DIR', './data')),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 16 * 1024, 256, 10 * 1024 * 1024),
    consistencyTimeoutMs: integer(env, 'CONSISTENCY_TIMEOUT_MS', 5000, 1, 60000),
    consistencyPollMs: integer(env, 'CONSISTENCY_POLL_MS', 5, 1, 1000),
    aggregateState: {
      snapshotEvery: integer(env, 'SNAPSHOT_EVERY', 100, 1, 1_000_000),
      cacheMaxEntries: integer(env, 'STATE_CACHE_MAX_ENTRIES', 10_000, 0, 10_000_000),
      cacheMaxBytes: integer(env, 'STATE_CACHE_MAX_BYTES', 64 * 2 ** 20, 1024, 2 ** 40),
    },
    eventStore:
      oneOf(env, 'EVENT_STORE', ['embedded', 'eventstoredb'], 'embedded') === 'eventstoredb'
        ? {
            kind: 'eventstoredb',
            url: eventStoreUrl(
              required(env, 'EVENTSTORE_URL', 'EVENT_STORE=eventstoredb'),
              production,
            ),
          }
        : { kind: 'embedded' },
    transport:
      oneOf(env, 'TRANSPORT', ['in-process', 'kafka'], 'in-process') === 'kafka'
        ? {
            kind: 'kafka',
            brokers: brokers(required(env, 'KAFKA_BROKERS', 'TRANSPORT=kafka')),
            topic: text(env, 'KAFKA_TOPIC', 'ledger-events'),
            partitions: integer(env, 'KAFKA_PARTITIONS', 3, 1, 1000),
            security: kafkaSecurity(env, production),
          }
        : { kind: 'in-process' },
    readStore:
      oneOf(env, 'READ_STORE', ['embedded', 'mongodb'], 'embedded') === 'mongodb'
        ? {
            kind: 'mongodb',
            url: mongoUrl(required(env, 'MONGODB_URL', 'READ_STORE=mongodb'), production),
          }
        : { kind: 'embedded' },
    exitOnFatalError: true,
    readyMaxLagEvents: integer(env, 'READY_MAX_LAG_EVENTS', 1000, 0, Number.MAX_SAFE_INTEGER),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10000, 100, 600000),
    drainDelayMs: integer(env, 'DRAIN_DELAY_MS', 0, 0, 60000),
    logLevel: oneOf(
      env,
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      'info',
    ),
    auth: loadAuthConfig(env, !production),
    rateLimit: {
      perSubject: integer(env, 'RATE_LIMIT_PER_SUBJECT', 600, 1, 1_000_000),
      perAddress: integer(env, 'RATE_LIMIT_PER_ADDRESS', 1200, 1, 1_000_000),
    },
    trustProxy: env.TRUST_PROXY === undefined ? false : text(env, 'TRUST_PROXY', ''),
    corsOrigins: env.CORS_ORIGINS ? env.CORS_ORIGINS.split(',').map((o) => o.trim()) : [],
  };
  if (config.role !== 'all' && config.transport.kind === 'in-process') {
    throw new ConfigError(
      'LEDGER_ROLE',
      `${config.role} needs TRANSPORT=kafka: with the in-process transport events reach ` +
        'projections only inside one process, so only LEDGER_ROLE=all can run',
    );
  }
  // The audit module reads its settings when the api starts; checking them here keeps a missing
  // production key a one-line refusal like every other setting.
  if (config.role === 'all' || config.role === 'api') checkAuditSettings(env);
  checkPrivacySettings(env);
  return config;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function eventStoreUrl(url: string, production: boolean): string {
  checkEventStoreUrl(url, production);
  return url;
}

function mongoUrl(url: string, production: boolean): string {
  checkMongoUrl(url, production);
  return url;
}

function text(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = env[name];
  if (value === undefined) return fallback;
  if (value.trim() === '') throw new ConfigError(name, 'must not be empty');
  return value;
}

function required(env: NodeJS.ProcessEnv, name: string, because: string): string {
  if (env[name] === undefined || env[name]!.trim() === '') {
    throw new ConfigError(name, `must be set when ${because}`);
  }
  return env[name]!;
}

function oneOf<T extends string>(
  env: NodeJS.ProcessEnv,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = env[name];
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}; got "${value}"`);
  }
  return value as T;
}

function integer(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = env[name];
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value.trim())) {
    throw new ConfigError(name, `must be a whole number, got "${value}"`);
  }
  const parsed = Number(value);
  if (parsed < min || parsed > max) {
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${parsed}`);
  }
  return parsed;
}

function brokers(value: string): string[] {
  const list = value.split(',').map((broker) => broker.trim());
  for (const broker of list) {
    if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(broker)) {
      throw new ConfigError('KAFKA_BROKERS', `"${broker}" is not host:port`);
    }
  }
  return list;
}
