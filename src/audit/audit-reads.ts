import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import { ANONYMOUS } from '../commands/command-context';
import type { Actor } from '../event-store/event-envelope';
import { READ_STORE, type ReadDocument, type ReadStore } from '../read-store/read-store.port';

export const AUDIT_READS_COLLECTION = 'audit_reads';

export type AuditAction =
  | 'read-stream'
  | 'verify-stream'
  | 'read-correlation'
  | 'verify-all'
  | 'read-anchor'
  | 'record-anchors'
  | 'list-reads';

/**
 * One use of an audit endpoint: who, what, when, and under which correlation id. `_id` starts
 * with the time, so ids sort in the order the reads were recorded.
 */
export interface AuditRead extends ReadDocument {
  at: string;
  actor: Actor;
  action: AuditAction;
  /** The stream read or verified. */
  streamId?: string;
  /** The business operation read (the correlation id of its events). */
  correlationId?: string;
  format?: 'json' | 'ndjson' | 'csv';
  /** The correlation id of the audit request itself (X-Correlation-Id). */
  requestCorrelationId: string;
  method: string;
  path: string;
}

export interface AuditReadFilter {
  streamId?: string;
  correlationId?: string;
}

/**
 * The audit of auditing. A read is recorded before anything is read, and a read that cannot be
 * recorded fails (503), so no audit data leaves without a trace.
 */
@Injectable()
export class AuditReadLog {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  private get reads() {
    return this.readStore.collection<AuditRead>(AUDIT_READS_COLLECTION);
  }

  async record(
    request: Request,
    action: AuditAction,
    target: Pick<AuditRead, 'streamId' | 'correlationId' | 'format'> = {},
  ): Promise<void> {
    const at = new Date().toISOString();
    await this.reads.insertOne({
      _id: `${at}~${randomUUID()}`,
      at,
      // The verified caller once authentication has set one on the request, else anonymous.
      actor: (request as { actor?: Actor }).actor ?? ANONYMOUS,
      action,
      ...target,
      requestCorrelationId: request.correlationId,
      method: request.method,
      path: request.originalUrl,
    });
  }

  /** Newest first; `before` is the `_id` of the last read of the previous page. */
  async list(
    filter: AuditReadFilter,
    before: string | undefined,
    limit: number,
  ): Promise<{ items: AuditRead[]; last: string | null }> {
    const query: Record<string, unknown> = {};
    if (filter.streamId !== undefined) query.streamId = filter.streamId;
    if (filter.correlationId !== undefined) query.correlationId = filter.correlationId;
    if (before !== undefined) query._id = { $lt: before };
    const found = await this.reads.find(query, { sort: { _id: -1 }, limit: limit + 1 });
    const items = found.slice(0, limit);
    return { items, last: found.length > limit ? items[items.length - 1]._id : null };
  }
}
