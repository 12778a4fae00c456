import Database from 'better-sqlite3';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SubjectKey, SubjectKeyStore } from '../subject-key-store.port';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS subject_keys (
  key_id     TEXT PRIMARY KEY,
  subject    TEXT NOT NULL UNIQUE,
  wrapped    BLOB NOT NULL,
  created_at TEXT NOT NULL
) STRICT;
`;

/** How long a key stays cached; an erasure in another process is honoured here within this. */
export const KEY_CACHE_MS = 30_000;

interface Cached<T> {
  value: T;
  until: number;
}

/**
 * Subject keys in a SQLite file of their own (never the event store's), each wrapped with
 * AES-256-GCM under the master key (the key id and subject as associated data). Deleted rows are
 * overwritten (secure_delete) and the rollback journal is deleted after each commit, so an
 * erased key does not linger in the file; copies on backups or in the file system's free blocks
 * are the deployer's to handle.
 */
export class SqliteSubjectKeyStore implements SubjectKeyStore {
  private readonly db: Database.Database;
  private readonly byId = new Map<string, Cached<Buffer>>();
  private readonly bySubject = new Map<string, Cached<SubjectKey>>();

  constructor(
    file: string,
    private readonly masterKey: Buffer,
    private readonly now: () => number = Date.now,
  ) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('journal_mode = DELETE');
    this.db.pragma('secure_delete = ON');
    this.db.pragma('synchronous = FULL');
    this.db.exec(SCHEMA);
  }

  async currentKey(subject: string): Promise<SubjectKey> {
    const cached = this.fresh(this.bySubject.get(subject));
    if (cached) return cached;
    const existing = this.currentRow(subject);
    if (existing) return this.remembered(existing, subject);
    const key = randomBytes(32);
    const keyId = randomBytes(12).toString('base64url');
    // A concurrent writer (another process) may have created the subject's key first: theirs wins.
    this.db
      .prepare(
        'INSERT INTO subject_keys (key_id, subject, wrapped, created_at) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT (subject) DO NOTHING',
      )
      .run(keyId, subject, this.wrap(key, keyId, subject), new Date(this.now()).toISOString());
    return this.remembered(this.currentRow(subject)!, subject);
  }

  /** Read before any write, so that a known subject costs no write transaction (and no fsync). */
  private currentRow(subject: string): { key_id: string; wrapped: Buffer } | undefined {
    return this.db
      .prepare('SELECT key_id, wrapped FROM subject_keys WHERE subject = ?')
      .get(subject) as { key_id: string; wrapped: Buffer } | undefined;
  }

  private remembered(row: { key_id: string; wrapped: Buffer }, subject: string): SubjectKey {
    const current = { keyId: row.key_id, key: this.unwrap(row.wrapped, row.key_id, subject) };
    this.remember(current, subject);
    return current;
  }

  async key(keyId: string): Promise<Buffer | undefined> {
    const cached = this.fresh(this.byId.get(keyId));
    if (cached) return cached;
    const row = this.db
      .prepare('SELECT subject, wrapped FROM subject_keys WHERE key_id = ?')
      .get(keyId) as { subject: string; wrapped: Buffer } | undefined;
    if (!row) return undefined;
    const key = this.unwrap(row.wrapped, keyId, row.subject);
    this.remember({ keyId, key }, row.subject);
    return key;
  }

  async hasKey(subject: string): Promise<boolean> {
    return (
      this.db.prepare('SELECT 1 FROM subject_keys WHERE subject = ?').get(subject) !== undefined
    );
  }

  async erase(subject: string): Promise<number> {
    const { changes } = this.db.prepare('DELETE FROM subject_keys WHERE subject = ?').run(subject);
    const cached = this.bySubject.get(subject);
    if (cached) this.byId.delete(cached.value.keyId);
    this.bySubject.delete(subject);
    return changes;
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private remember(key: SubjectKey, subject: string): void {
    const until = this.now() + KEY_CACHE_MS;
    this.byId.set(key.keyId, { value: key.key, until });
    this.bySubject.set(subject, { value: key, until });
  }

  private fresh<T>(cached: Cached<T> | undefined): T | undefined {
    return cached && cached.until > this.now() ? cached.value : undefined;
  }

  private wrap(key: Buffer, keyId: string, subject: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.masterKey, iv);
    cipher.setAAD(Buffer.from(`${keyId}\n${subject}`, 'utf8'));
    const ct = Buffer.concat([cipher.update(key), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), ct]);
  }

  private unwrap(wrapped: Buffer, keyId: string, subject: string): Buffer {
    const decipher = createDecipheriv('aes-256-gcm', this.masterKey, wrapped.subarray(0, 12));
    decipher.setAAD(Buffer.from(`${keyId}\n${subject}`, 'utf8'));
    decipher.setAuthTag(wrapped.subarray(12, 28));
    return Buffer.concat([decipher.update(wrapped.subarray(28)), decipher.final()]);
  }
}
