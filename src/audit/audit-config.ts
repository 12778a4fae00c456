import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config/config-error';
import { developmentKeyFile } from '../config/development-key-file';
import { ledgerEnvironment } from '../config/environment';
import { AnchorKeyring, parsePublicKeys, parseSigningKey } from './anchor-keys';

export const AUDIT_CONFIG = Symbol('AUDIT_CONFIG');

export interface AuditConfig {
  /** How often the head of every changed stream is anchored; 0 anchors only on request. */
  anchorIntervalMs: number;
  /** The Ed25519 key that signs anchors, and the public keys that verify them. */
  anchorKeys: AnchorKeyring;
  /** The setting, or the file, the signing key came from. */
  anchorKeySource: string;
}

export const DEFAULT_ANCHOR_INTERVAL_MS = 60_000;
const MIN_INTERVAL_MS = 100;
const MAX_INTERVAL_MS = 24 * 60 * 60 * 1000;
export const ANCHOR_SIGNING_KEY_FILE = 'anchor-signing.pem';

/**
 * The audit settings, checked once at start-up like the rest of the configuration:
 * `AUDIT_ANCHOR_INTERVAL_MS` (default 60000; 0 turns the periodic job off);
 * `AUDIT_SIGNING_KEY` or `AUDIT_SIGNING_KEY_FILE`, the Ed25519 private key (PEM, PKCS#8) that
 * signs anchors; `AUDIT_RETIRED_PUBLIC_KEYS` or `AUDIT_RETIRED_PUBLIC_KEYS_FILE`, the public keys
 * (PEM) of earlier signing keys, whose anchors stay valid. Without a signing key, and outside
 * production (LEDGER_ENV or NODE_ENV), one is generated once into DATA_DIR/anchor-signing.pem (mode 0600): a
 * file of its own, never inside the event store's file.
 */
export function loadAuditConfig(env: NodeJS.ProcessEnv, dataDir: string): AuditConfig {
  const { anchorIntervalMs, signing, retired } = givenSettings(env);
  let anchorKeySource: string;
  let signingPem: string;
  if (signing) {
    ({ source: anchorKeySource, pem: signingPem } = signing);
  } else {
    anchorKeySource = join(dataDir, ANCHOR_SIGNING_KEY_FILE);
    signingPem = developmentKey(anchorKeySource);
  }
  const privateKey = parsed('AUDIT_SIGNING_KEY', anchorKeySource, () =>
    parseSigningKey(signingPem),
  );
  const retiredKeys = retired
    ? parsed('AUDIT_RETIRED_PUBLIC_KEYS', retired.source, () => parsePublicKeys(retired.pem))
    : [];
  return {
    anchorIntervalMs,
    anchorKeys: new AnchorKeyring(privateKey, retiredKeys),
    anchorKeySource,
  };
}

/**
 * The checks of loadAuditConfig without its side effect (the development key file), for the
 * start-up configuration: a missing production key is a one-line refusal like any setting.
 */
export function checkAuditSettings(env: NodeJS.ProcessEnv): void {
  const { signing, retired } = givenSettings(env);
  if (signing) parsed('AUDIT_SIGNING_KEY', signing.source, () => parseSigningKey(signing.pem));
  if (retired) {
    parsed('AUDIT_RETIRED_PUBLIC_KEYS', retired.source, () => parsePublicKeys(retired.pem));
  }
}

function givenSettings(env: NodeJS.ProcessEnv) {
  if (env.AUDIT_ANCHOR_KEY !== undefined) {
    throw new ConfigError(
      'AUDIT_ANCHOR_KEY',
      'is no longer used: anchors are signed with Ed25519; remove it and set AUDIT_SIGNING_KEY',
    );
  }
  const anchorIntervalMs = interval(env.AUDIT_ANCHOR_INTERVAL_MS);
  const signing = pemSetting(env, 'AUDIT_SIGNING_KEY');
  const retired = pemSetting(env, 'AUDIT_RETIRED_PUBLIC_KEYS');
  if (!signing && ledgerEnvironment(env) === 'production') {
    throw new ConfigError(
      'AUDIT_SIGNING_KEY',
      'must be set (or AUDIT_SIGNING_KEY_FILE) in production: an Ed25519 private key in PEM ' +
        'that every api process shares',
    );
  }
  return { anchorIntervalMs, signing, retired };
}

function interval(value: string | undefined): number {
  if (value === undefined) return DEFAULT_ANCHOR_INTERVAL_MS;
  const parsed = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (parsed === 0) return 0;
  if (!(parsed >= MIN_INTERVAL_MS && parsed <= MAX_INTERVAL_MS)) {
    throw new ConfigError(
      'AUDIT_ANCHOR_INTERVAL_MS',
      `must be 0 (off) or a whole number from ${MIN_INTERVAL_MS} to ${MAX_INTERVAL_MS}, got "${value}"`,
    );
  }
  return parsed;
}

/**
 * `NAME` holds PEM text (`\n` escapes allowed, for one-line environment values), `NAME_FILE` the
 * path of a PEM file (for mounted secrets); at most one of them.
 */
function pemSetting(
  env: NodeJS.ProcessEnv,
  name: string,
): { pem: string; source: string } | undefined {
  const value = env[name];
  const file = env[`${name}_FILE`];
  if (value !== undefined && file !== undefined) {
    throw new ConfigError(name, `give ${name} or ${name}_FILE, not both`);
  }
  if (value !== undefined) return { pem: value.replace(/\\n/g, '\n'), source: name };
  if (file === undefined) return undefined;
  try {
    return { pem: readFileSync(file, 'utf8'), source: file };
  } catch (error) {
    throw new ConfigError(`${name}_FILE`, `cannot read ${file}: ${(error as Error).message}`);
  }
}

function parsed<T>(setting: string, source: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    const from = source === setting ? '' : `${source} `;
    throw new ConfigError(setting, `${from}${(error as Error).message}`);
  }
}

function developmentKey(file: string): string {
  return developmentKeyFile(file, () =>
    generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  );
}
