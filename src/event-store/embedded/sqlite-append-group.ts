import type Database from 'better-sqlite3';
import { envelopeHash, GENESIS_HASH, type NewEvent } from '../event-envelope';
import type { AppendResult } from '../event-store.port';
import { type FileIdentity, stillOnDisk } from '../../storage/embedded/file-identity';
import { sqliteFaultReason } from '../../storage/embedded/sqlite-fault';
import type {
  AppendFailure,
  AppendRequest,
  ProbeRequest,
  WriterReply,
} from './sqlite-writer.protocol';
import { type EventRow, toEnvelope } from './sqlite-event-rows';

type StoredId = Pick<EventRow, 'stream_id' | 'revision' | 'position'>;

/** A refusal of one append; the rest of its group goes on. */
class AppendRefused extends Error {
  constructor(readonly failure: AppendFailure) {
    super(failure.kind);
  }
}

/** The storage failed: nothing of the group is committed, every request in it gets this. */
class GroupFailed extends Error {
  constructor(readonly failure: Extract<AppendFailure, { kind: 'storage' }>) {
    super(failure.message);
  }
}

interface Clamped {
  /** What the clock said. */
  clock: string;
  /** What was stored: the log's last recorded time. */
  recordedAt: string;
}

interface Appended {
  result: AppendResult;
  clamped?: Clamped;
  /** Set when rows were written: the recorded time the next append must not go below. */
  recordedAt?: string;
}

type Outcome = { ok: true; value: Appended } | { ok: false; failure: AppendFailure };

/**
 * Group commit: every request handed over together shares one IMMEDIATE transaction and so one
 * fsync. Each append runs in a savepoint of its own, so that its revision check, its duplicate
 * check and its rows stand or fall alone; a storage failure (full disk, lost lock, vanished file)
 * fails the whole group, none of which was committed. Nothing is answered before COMMIT returns.
 */
export class AppendGroupCommitter {
  private readonly statements;
  private groups = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
    private readonly opened: FileIdentity,
  ) {
    this.statements = {
      insert: db.prepare<Omit<EventRow, 'position'>>(
        `INSERT INTO events
           (event_id, stream_id, revision, type, schema_version, recorded_at, data, metadata, hash)
         VALUES
           (@event_id, @stream_id, @revision, @type, @schema_version, @recorded_at, @data,
            @metadata, @hash)`,
      ),
      byEventId: db.prepare<[string], StoredId>(
        'SELECT stream_id, revision, position FROM events WHERE event_id = ?',
      ),
      last: db.prepare<[string], Pick<EventRow, 'revision' | 'hash'>>(
        'SELECT revision, hash FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1',
      ),
      lastRecordedAt: db
        .prepare<[], string>('SELECT recorded_at FROM events ORDER BY position DESC LIMIT 1')
        .pluck(),
      probe: db.prepare<[string]>(
        'INSERT INTO write_probe (id, probed_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at',
      ),
    };
  }

  commit(requests: (AppendRequest | ProbeRequest)[]): WriterReply[] {
    const group = { seq: ++this.groups, size: requests.length };
    let outcomes: Outcome[];
    try {
      outcomes = this.inTransaction(() => {
        // Read under the write lock, so appends by other processes count too.
        let lastRecordedAt = this.statements.lastRecordedAt.get() ?? '';
        return requests.map((request): Outcome => {
          if (request.kind === 'probe') {
            this.statements.probe.run(request.probedAt);
            return { ok: true, value: { result: { revision: -1, position: 0 } } };
          }
          const outcome = this.inSavepoint(() => this.appendOne(request, lastRecordedAt));
          if (outcome.ok) lastRecordedAt = outcome.value.recordedAt ?? lastRecordedAt;
          return outcome;
        });
      });
    } catch (error) {
      const failure = error instanceof GroupFailed ? error.failure : storageFailure(error);
      return requests.map((request) => ({ id: request.id, ok: false, failure }));
    }
    return outcomes.map((outcome, index) => {
      const id = requests[index].id;
      if (!outcome.ok) return { id, ok: false, failure: outcome.failure };
      const { result, clamped } = outcome.value;
      return { id, ok: true, result, ...(clamped ? { clamped } : {}), group };
    });
  }

  private inTransaction<T>(work: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      // Committing into a deleted file would acknowledge events that no restart will find.
      if (!stillOnDisk(this.file, this.opened)) {
        throw new GroupFailed({
          kind: 'storage',
          reason: 'vanished',
          message: `${this.file} is no longer the file this process opened`,
        });
      }
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      // SQLite rolls back by itself after some I/O errors; otherwise it is ours to do.
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  private inSavepoint(work: () => Appended): Outcome {
    this.db.exec('SAVEPOINT append');
    try {
      const value = work();
      this.db.exec('RELEASE append');
      return { ok: true, value };
    } catch (error) {
      const reason = sqliteFaultReason(error);
      if (reason !== undefined || !this.db.inTransaction) throw error;
      this.db.exec('ROLLBACK TO append');
      this.db.exec('RELEASE append');
      if (error instanceof AppendRefused) return { ok: false, failure: error.failure };
      return { ok: false, failure: { kind: 'rejected', message: (error as Error).message } };
    }
  }

  /** The checks below only hold while the IMMEDIATE transaction keeps the write lock. */
  private appendOne(request: AppendRequest, lastRecordedAt: string): Appended {
    const { streamId, events, expected } = request;
    const resent = this.findResend(streamId, events);
    if (resent) return { result: resent };

    const last = this.statements.last.get(streamId);
    const actual = last?.revision ?? 'no-stream';
    if (expected !== 'any' && expected !== actual) {
      throw new AppendRefused({ kind: 'wrong-expected-revision', expected, actual });
    }

    // recordedAt never goes backwards along the log, whatever the clock does, so that "as of a
    // time" stays a prefix of the log. ISO-8601 UTC strings of one format sort as times do.
    const recordedAt = request.recordedAt < lastRecordedAt ? lastRecordedAt : request.recordedAt;
    const clamped =
      recordedAt === request.recordedAt ? undefined : { clock: request.recordedAt, recordedAt };
    const firstRevision = last === undefined ? 0 : last.revision + 1;
    // The write lock is held, so the previous hash cannot change before these rows commit; an
    // earlier append of this group to the same stream is already visible here.
    let previousHash = last?.hash ?? GENESIS_HASH;
    let position = 0;
    events.forEach((event, index) => {
      const row = {
        event_id: event.eventId,
        stream_id: streamId,
        revision: firstRevision + index,
        type: event.type,
        schema_version: event.schemaVersion,
        recorded_at: recordedAt,
        data: JSON.stringify(event.data),
        metadata: JSON.stringify(event.metadata),
      };
      // Hashed as a reader will get it back: data and metadata after their JSON round trip.
      const hash = envelopeHash(toEnvelope({ ...row, position: 0, hash: '' }), previousHash);
      previousHash = hash;
      position = Number(this.statements.insert.run({ ...row, hash }).lastInsertRowid);
    });
    return {
      result: { revision: firstRevision + events.length - 1, position },
      clamped,
      recordedAt,
    };
  }

  /**
   * A retried request re-sends the same event ids; it must get the original answer rather than a
   * revision conflict. Anything short of an exact, in-order repeat is a caller bug.
   */
  private findResend(streamId: string, events: NewEvent[]): AppendResult | undefined {
    const stored = events
      .map((event) => this.statements.byEventId.get(event.eventId))
      .filter((row) => row !== undefined);
    if (stored.length === 0) return undefined;

    const first = stored[0];
    const isResend =
      stored.length === events.length &&
      stored.every(
        (row, index) => row.stream_id === streamId && row.revision === first.revision + index,
      );
    if (!isResend) throw new AppendRefused({ kind: 'partial-duplicate' });
    const last = stored[stored.length - 1];
    return { revision: last.revision, position: last.position };
  }
}

export function storageFailure(error: unknown): Extract<AppendFailure, { kind: 'storage' }> {
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'storage', reason: sqliteFaultReason(error) ?? 'corrupt', message };
}
