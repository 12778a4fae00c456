/**
 * Data keys per data subject, kept apart from the events they encrypt. A subject may have several
 * keys over time (a new one after an erasure); `erase` deletes every key of the subject, which
 * leaves whatever they encrypted unreadable for good. The embedded adapter wraps keys with a
 * master key from configuration; a KMS or Vault adapter implements the same port (wrapping with
 * the KMS's key, or asking the KMS for each data key).
 */
export const SUBJECT_KEY_STORE = Symbol('SUBJECT_KEY_STORE');

export interface SubjectKey {
  keyId: string;
  /** 32 bytes, AES-256. */
  key: Buffer;
}

export interface SubjectKeyStore {
  /** The subject's current key, created on first use. */
  currentKey(subject: string): Promise<SubjectKey>;
  /** A key by id; undefined once its subject was erased (or for an id never issued). */
  key(keyId: string): Promise<Buffer | undefined>;
  /** Whether the subject has a key (no key: never sealed anything, or erased). */
  hasKey(subject: string): Promise<boolean>;
  /** Deletes every key of the subject; the number deleted (0 when none was left). */
  erase(subject: string): Promise<number>;
  close(): Promise<void>;
}
