import { hkdfSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config/config-error';
import { developmentKeyFile } from '../config/development-key-file';
import { ledgerEnvironment } from '../config/environment';

export const PRIVACY_CONFIG = Symbol('PRIVACY_CONFIG');

export interface PrivacyConfig {
  /** Wraps the subject keys in the embedded key store. */
  wrappingKey: Buffer;
  /** Keys the blind index that names subjects in sealed values and read models. */
  indexKey: Buffer;
  /**
   * The embedded key store's file: `PRIVACY_KEY_STORE_FILE`, else DATA_DIR/subject-keys.sqlite;
   * never the event store's. Every process of one ledger must use the same file.
   */
  keyStoreFile: string;
  /** `PRIVACY_MASTER_KEY`, `PRIVACY_MASTER_KEY_FILE`'s path, or the development key's file. */
  masterKeySource: string;
}

export const MASTER_KEY_FILE = 'privacy-master.key';

/**
 * `PRIVACY_MASTER_KEY` (64 hex digits) or `PRIVACY_MASTER_KEY_FILE` (a file holding them); both
 * derived keys come from it by HKDF-SHA256, so one secret is all a deployment keeps. Required in
 * production; elsewhere one is generated once into DATA_DIR/privacy-master.key (mode 0600).
 */
export function loadPrivacyConfig(env: NodeJS.ProcessEnv, dataDir: string): PrivacyConfig {
  const value = env.PRIVACY_MASTER_KEY;
  const file = env.PRIVACY_MASTER_KEY_FILE;
  if (value !== undefined && file !== undefined) {
    throw new ConfigError('PRIVACY_MASTER_KEY', 'give PRIVACY_MASTER_KEY or its _FILE, not both');
  }
  let hex: string;
  let source: string;
  if (value !== undefined) {
    hex = value;
    source = 'PRIVACY_MASTER_KEY';
  } else if (file !== undefined) {
    hex = readSetting('PRIVACY_MASTER_KEY_FILE', file);
    source = file;
  } else if (ledgerEnvironment(env) === 'production') {
    throw new ConfigError(
      'PRIVACY_MASTER_KEY',
      'must be set (or PRIVACY_MASTER_KEY_FILE) in production: 64 hex digits that wrap the keys of personal data',
    );
  } else {
    source = join(dataDir, MASTER_KEY_FILE);
    hex = developmentKey(source);
  }
  if (!/^[0-9a-f]{64}$/i.test(hex.trim())) {
    const where = source === 'PRIVACY_MASTER_KEY' ? '' : `${source} `;
    throw new ConfigError('PRIVACY_MASTER_KEY', `${where}must hold 64 hex digits`);
  }
  const master = Buffer.from(hex.trim(), 'hex');
  const derive = (info: string) =>
    Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), info, 32));
  return {
    wrappingKey: derive('ledgerline subject-key wrapping'),
    indexKey: derive('ledgerline subject index'),
    keyStoreFile: env.PRIVACY_KEY_STORE_FILE ?? join(dataDir, 'subject-keys.sqlite'),
    masterKeySource: source,
  };
}

/**
 * The refusals of loadPrivacyConfig without its side effect (the development key file), for the
 * start-up configuration: a missing production key is a one-line refusal like any setting.
 */
export function checkPrivacySettings(env: NodeJS.ProcessEnv): void {
  const given = env.PRIVACY_MASTER_KEY !== undefined || env.PRIVACY_MASTER_KEY_FILE !== undefined;
  if (given || ledgerEnvironment(env) === 'production') loadPrivacyConfig(env, '');
}

function readSetting(setting: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(setting, `cannot read ${file}: ${(error as Error).message}`);
  }
}

function developmentKey(file: string): string {
  return developmentKeyFile(file, () => `${randomBytes(32).toString('hex')}\n`);
}
