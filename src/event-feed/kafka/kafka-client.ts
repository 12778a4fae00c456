import { Kafka, logLevel as KafkaJsLogLevel, type LogEntry } from 'kafkajs';
import type { KafkaSecurity } from '../../config/connection-security';

export type KafkaLogLevel = 'error' | 'warn' | 'info' | 'debug';

/** Receives kafkajs's own log lines, which otherwise go to stdout as JSON, rebalances and all. */
export type KafkaLog = (
  level: KafkaLogLevel,
  message: string,
  details: Record<string, unknown>,
) => void;

export const consoleKafkaLog: KafkaLog = (level, message, details) =>
  console.error(`kafkajs ${level}: ${message}`, details);

export interface KafkaClientOptions {
  brokers: string[];
  clientId?: string;
  log?: KafkaLog;
  /** The least severe level passed on to `log`. */
  logLevel?: KafkaLogLevel;
  /**
   * Each attempt of a call waits at most these, and a call gives up after `retries` retries, so an
   * unreachable or hung broker fails calls instead of stalling them.
   */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  retries?: number;
  /** TLS and SASL, as configured; plaintext without. */
  security?: KafkaSecurity;
}

const LEVELS: Record<KafkaLogLevel, KafkaJsLogLevel> = {
  error: KafkaJsLogLevel.ERROR,
  warn: KafkaJsLogLevel.WARN,
  info: KafkaJsLogLevel.INFO,
  debug: KafkaJsLogLevel.DEBUG,
};

const NAMES = new Map<KafkaJsLogLevel, KafkaLogLevel>(
  Object.entries(LEVELS).map(([name, level]) => [level, name as KafkaLogLevel]),
);

/** The one place kafkajs clients are configured, so producers, consumers and admins agree. */
export function createKafkaClient(options: KafkaClientOptions): Kafka {
  const log = options.log ?? consoleKafkaLog;
  return new Kafka({
    brokers: options.brokers,
    clientId: options.clientId ?? 'ledgerline',
    ssl: options.security?.tls || false,
    ...(options.security?.sasl ? { sasl: options.security.sasl } : {}),
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 10_000,
    // A few seconds of back-off in all: a publish to a closed port fails after about 1.5 s.
    retry: { retries: options.retries ?? 5, initialRetryTime: 100, maxRetryTime: 2000 },
    logLevel: LEVELS[options.logLevel ?? 'warn'],
    logCreator:
      () =>
      ({ namespace, level, log: entry }: LogEntry) => {
        const { message, ...details } = entry;
        log(NAMES.get(level) ?? 'error', message, { namespace, ...details });
      },
  });
}
