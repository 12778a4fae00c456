import type { StorageFaultReason } from '../storage-fault';

/**
 * SQLite primary result codes that mean the storage itself failed, by reason. Anything else
 * (constraints, SQL errors) is the caller's problem and is not a storage fault.
 * https://www.sqlite.org/rescode.html
 */
const REASON_BY_PRIMARY_CODE: Record<string, StorageFaultReason> = {
  SQLITE_BUSY: 'busy',
  SQLITE_LOCKED: 'busy',
  SQLITE_FULL: 'full',
  SQLITE_READONLY: 'read-only',
  SQLITE_PERM: 'read-only',
  SQLITE_CANTOPEN: 'vanished',
  SQLITE_CORRUPT: 'corrupt',
  SQLITE_NOTADB: 'corrupt',
};

/** Extended I/O codes whose cause is known; other SQLITE_IOERR_* count as corrupt storage. */
const REASON_BY_IO_CODE: Record<string, StorageFaultReason> = {
  SQLITE_IOERR_WRITE: 'full',
  SQLITE_IOERR_FSYNC: 'full',
  SQLITE_IOERR_TRUNCATE: 'full',
  SQLITE_IOERR_SHMSIZE: 'full',
  SQLITE_IOERR_DELETE_NOENT: 'vanished',
};

/**
 * The SQLite result code of a better-sqlite3 error. Matched by name rather than `instanceof`: the
 * native addon keeps the SqliteError class of whichever module instance loaded it first, which is
 * not this one under a test runner that reloads modules (nor is its realm's Error).
 */
export function sqliteCode(error: unknown): string | undefined {
  const candidate = error as { name?: unknown; code?: unknown } | null;
  return candidate?.name === 'SqliteError' && typeof candidate.code === 'string'
    ? candidate.code
    : undefined;
}

/** Node's own file errors met while opening or checking the files (mkdir, stat). */
const REASON_BY_ERRNO: Record<string, StorageFaultReason> = {
  ENOSPC: 'full',
  EDQUOT: 'full',
  EFBIG: 'full',
  EROFS: 'read-only',
  EACCES: 'read-only',
  EPERM: 'read-only',
  ENOENT: 'vanished',
};

/** The storage fault behind `error`, or undefined when it is not one. */
export function sqliteFaultReason(error: unknown): StorageFaultReason | undefined {
  const code = sqliteCode(error);
  if (code === undefined) {
    const errno = (error as { code?: unknown } | null)?.code;
    return typeof errno === 'string' ? REASON_BY_ERRNO[errno] : undefined;
  }
  // SQLite notices on a write that its file was unlinked or renamed since it was opened.
  if (code === 'SQLITE_READONLY_DBMOVED') return 'vanished';
  if (code.startsWith('SQLITE_IOERR')) return REASON_BY_IO_CODE[code] ?? 'corrupt';
  return REASON_BY_PRIMARY_CODE[code.split('_').slice(0, 2).join('_')];
}
