import { createHash, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../config/app-config';

export const AUDIT_CONFIG = Symbol('AUDIT_CONFIG');

export interface AuditConfig {
  /** How often the head of every changed stream is anchored; 0 anchors only on request. */
  anchorIntervalMs: number;
  /** HMAC-SHA256 key for anchors. The event store never holds it. */
  anchorKey: Buffer;
  /** Names the key without revealing it: the first 16 hex digits of its SHA-256. */
  anchorKeyId: string;
  /** `AUDIT_ANCHOR_KEY`, or the file the development key was read from. */
  anchorKeySource: string;
}

export const DEFAULT_ANCHOR_INTERVAL_MS = 60_000;
const MIN_INTERVAL_MS = 100;
const MAX_INTERVAL_MS = 24 * 60 * 60 * 1000;
const MIN_KEY_LENGTH = 32;
export const ANCHOR_KEY_FILE = 'anchor.key';

/**
 * The audit settings, checked once at start-up like the rest of the configuration:
 * `AUDIT_ANCHOR_INTERVAL_MS` (default 60000; 0 turns the periodic job off) and
 * `AUDIT_ANCHOR_KEY` (at least 32 characters, used as UTF-8 bytes). Without a key, and outside
 * LEDGER_ENV=production, a random key is generated once into DATA_DIR/anchor.key (mode 0600): a
 * file of its own, never inside the event store's file.
 */
export function loadAuditConfig(env: NodeJS.ProcessEnv, dataDir: string): AuditConfig {
  const anchorIntervalMs = interval(env.AUDIT_ANCHOR_INTERVAL_MS);
  const given = env.AUDIT_ANCHOR_KEY;
  let anchorKey: Buffer;
  let anchorKeySource: string;
  if (given !== undefined) {
    if (given.length < MIN_KEY_LENGTH) {
      throw new ConfigError('AUDIT_ANCHOR_KEY', `must be at least ${MIN_KEY_LENGTH} characters`);
    }
    anchorKey = Buffer.from(given, 'utf8');
    anchorKeySource = 'AUDIT_ANCHOR_KEY';
  } else if (env.LEDGER_ENV === 'production') {
    throw new ConfigError(
      'AUDIT_ANCHOR_KEY',
      'must be set in production: anchors are signed with a key the event store does not hold, ' +
        'and every api process must share it',
    );
  } else {
    anchorKeySource = join(dataDir, ANCHOR_KEY_FILE);
    anchorKey = developmentKey(anchorKeySource);
  }
  return {
    anchorIntervalMs,
    anchorKey,
    anchorKeyId: createHash('sha256').update(anchorKey).digest('hex').slice(0, 16),
    anchorKeySource,
  };
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
 * Reads the key file, or creates it. The key is written to a private temporary file first and
 * then linked into place, which fails if the file exists: a process that loses that race reads
 * the winner's key, never a half-written file.
 */
function developmentKey(file: string): Buffer {
  try {
    return parseKeyFile(file, readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(32).toString('hex');
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, `${key}\n`, { flag: 'wx', mode: 0o600 });
  try {
    linkSync(temporary, file);
    return Buffer.from(key, 'hex');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return parseKeyFile(file, readFileSync(file, 'utf8'));
  } finally {
    unlinkSync(temporary);
  }
}

function parseKeyFile(file: string, text: string): Buffer {
  const key = text.trim();
  if (!/^[0-9a-f]{64}$/.test(key)) {
    throw new ConfigError('AUDIT_ANCHOR_KEY', `${file} must hold 64 hex digits`);
  }
  return Buffer.from(key, 'hex');
}
