import { ConfigError } from './config-error';
import { certificateFile, keyPair, readSettingFile } from './pem-files';

export type KafkaSaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

/** How the Kafka clients connect: TLS (with an optional CA and client certificate) and SASL. */
export interface KafkaSecurity {
  /** false: plaintext. An object: TLS, verifying the broker against `ca` or the system CAs. */
  tls: false | { ca?: string; cert?: string; key?: string };
  sasl?: KafkaSasl;
}

/** One member per mechanism, as kafkajs types it. */
export type KafkaSasl = {
  [M in KafkaSaslMechanism]: { mechanism: M; username: string; password: string };
}[KafkaSaslMechanism];

const SASL_MECHANISMS: readonly KafkaSaslMechanism[] = ['plain', 'scram-sha-256', 'scram-sha-512'];

/**
 * KAFKA_TLS=true, or any of KAFKA_SSL_CA_FILE / KAFKA_SSL_CERT_FILE + KAFKA_SSL_KEY_FILE, turns TLS
 * on; KAFKA_SASL_MECHANISM with KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD adds SASL. In
 * production a SASL password is never sent over plaintext.
 */
export function kafkaSecurity(env: NodeJS.ProcessEnv, production: boolean): KafkaSecurity {
  const flag = env.KAFKA_TLS;
  if (flag !== undefined && flag !== 'true' && flag !== 'false') {
    throw new ConfigError('KAFKA_TLS', `must be true or false; got "${flag}"`);
  }
  const ca =
    env.KAFKA_SSL_CA_FILE === undefined
      ? undefined
      : certificateFile('KAFKA_SSL_CA_FILE', env.KAFKA_SSL_CA_FILE);
  const client = keyPair(env, 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE');
  const wantsTls = flag === 'true' || ca !== undefined || client !== undefined;
  if (flag === 'false' && wantsTls) {
    throw new ConfigError('KAFKA_TLS', 'is false but KAFKA_SSL_* files are set');
  }
  const tls = wantsTls ? { ...(ca ? { ca } : {}), ...(client ?? {}) } : false;
  const mechanism = env.KAFKA_SASL_MECHANISM;
  if (mechanism === undefined) {
    for (const name of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD']) {
      if (env[name] !== undefined) {
        throw new ConfigError(name, 'needs KAFKA_SASL_MECHANISM');
      }
    }
    return { tls };
  }
  if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
    throw new ConfigError(
      'KAFKA_SASL_MECHANISM',
      `must be one of ${SASL_MECHANISMS.join(', ')}; got "${mechanism}"`,
    );
  }
  const username = env.KAFKA_SASL_USERNAME;
  const password = env.KAFKA_SASL_PASSWORD;
  if (!username) throw new ConfigError('KAFKA_SASL_USERNAME', 'must be set with a SASL mechanism');
  if (!password) throw new ConfigError('KAFKA_SASL_PASSWORD', 'must be set with a SASL mechanism');
  if (production && tls === false) {
    throw new ConfigError('KAFKA_TLS', 'must be true in production when SASL sends a password');
  }
  return { tls, sasl: { mechanism, username, password } as KafkaSasl };
}

/** The options a connection string carries after `?`, by lower-case name (both drivers ignore case). */
function urlOptions(url: string): { get(name: string): string | null } {
  const query = url.indexOf('?');
  const options = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(query < 0 ? '' : url.slice(query + 1))) {
    options.set(name.toLowerCase(), value);
  }
  return { get: (name) => options.get(name.toLowerCase()) ?? null };
}

const MONGO_CHECKS_OFF = ['tlsInsecure', 'tlsAllowInvalidCertificates', 'tlsAllowInvalidHostnames'];

/**
 * MONGODB_URL carries its own TLS options (`tls=true`, `tlsCAFile`, `tlsCertificateKeyFile`, or
 * `mongodb+srv://`, which implies TLS); the files they name are read now rather than at the first
 * query, and production refuses options that switch certificate checks off.
 */
export function checkMongoUrl(url: string, production: boolean): void {
  if (!/^mongodb(\+srv)?:\/\/[^/?]+/.test(url)) {
    throw new ConfigError('MONGODB_URL', 'must be a mongodb:// or mongodb+srv:// URL');
  }
  const options = urlOptions(url);
  const ca = options.get('tlsCAFile');
  if (ca !== null) certificateFile('MONGODB_URL', ca);
  const clientFile = options.get('tlsCertificateKeyFile');
  if (clientFile !== null) readSettingFile('MONGODB_URL', clientFile);
  if (production) {
    for (const name of MONGO_CHECKS_OFF) {
      if (options.get(name) === 'true') {
        throw new ConfigError('MONGODB_URL', `${name}=true turns certificate checks off`);
      }
    }
  }
}

/**
 * EVENTSTORE_URL's TLS options (`tls`, `tlsCAFile`, `tlsVerifyCert`, `userCertFile`,
 * `userKeyFile`): named files must be readable, and production keeps certificate checks on.
 */
export function checkEventStoreUrl(url: string, production: boolean): void {
  if (!/^esdb(\+discover)?:\/\/[^/?]+/.test(url)) {
    throw new ConfigError('EVENTSTORE_URL', 'must be an esdb:// or esdb+discover:// URL');
  }
  const options = urlOptions(url);
  const tls = options.get('tls');
  if (tls !== null && tls !== 'true' && tls !== 'false') {
    throw new ConfigError('EVENTSTORE_URL', `tls must be true or false; got "${tls}"`);
  }
  const ca = options.get('tlsCAFile');
  if (ca !== null) certificateFile('EVENTSTORE_URL', ca);
  for (const name of ['userCertFile', 'userKeyFile']) {
    const file = options.get(name);
    if (file !== null) readSettingFile('EVENTSTORE_URL', file);
  }
  if (production && options.get('tlsVerifyCert') === 'false') {
    throw new ConfigError('EVENTSTORE_URL', 'tlsVerifyCert=false turns certificate checks off');
  }
}
