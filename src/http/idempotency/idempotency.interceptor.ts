import {
  Logger,
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import canonicalize from 'canonicalize';
import type { Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { from, map, type Observable, of, switchMap } from 'rxjs';
import { v5 as uuidv5 } from 'uuid';
import { LedgerError } from '../../problems/ledger-error';
import { LedgerMetrics } from '../../observability/ledger-metrics';
import {
  type IdempotencyRecord,
  IdempotencyRecordStore,
  isAnswered,
  type PendingIdempotencyRecord,
} from './idempotency-record.store';

const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;
const COMMAND_ID_NAMESPACE = 'b7a3c1d2-58e4-4f0a-9c6d-2e1f3a4b5c6d';
const REPLAYED_HEADERS = ['etag', 'location'];

/**
 * Idempotency-Key: the first answer is stored and replayed for the same key and body; the same
 * key with another body is a 409. The command id is derived from the key, and the attempt's start
 * is recorded before it runs, so even a crash between the append and storing the answer cannot
 * apply the command twice: a replay of an unanswered key looks its events up from that start.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger(IdempotencyInterceptor.name);

  constructor(
    private readonly records: IdempotencyRecordStore,
    private readonly metrics: LedgerMetrics,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    const response = context.switchToHttp().getResponse<Response>();
    const key = request.header('idempotency-key');
    if (key === undefined) return next.handle();
    if (!KEY_PATTERN.test(key)) {
      throw new LedgerError(
        'INVALID_IDEMPOTENCY_KEY',
        'Idempotency-Key must be 1 to 200 visible ASCII characters',
      );
    }
    // Keys are the caller's own: two subjects choosing the same key never meet.
    const scope = `${request.actor?.subject ?? ''} ${request.method} ${request.route.path} ${key}`;
    const recordId = createHash('sha256').update(scope).digest('hex');
    const fingerprint = createHash('sha256')
      .update(`${request.originalUrl.split('?')[0]}\n${canonicalize(request.body ?? null) ?? ''}`)
      .digest('hex');

    const startedAt = new Date().toISOString();
    return from(this.begin({ _id: recordId, fingerprint, startedAt })).pipe(
      switchMap((record) => {
        if (record && record.fingerprint !== fingerprint) {
          throw new LedgerError(
            'IDEMPOTENCY_KEY_REUSED',
            'This Idempotency-Key was used with a different request',
          );
        }
        if (record && isAnswered(record)) {
          response.status(record.status);
          for (const [name, value] of Object.entries(record.headers))
            response.setHeader(name, value);
          response.setHeader('Idempotent-Replayed', 'true');
          this.metrics.idempotentReplays.inc();
          return of(record.body);
        }
        request.idempotentCommandId = uuidv5(`${scope}\n${fingerprint}`, COMMAND_ID_NAMESPACE);
        // An earlier attempt started and was never answered: it may have appended before it
        // died, so the command looks its events up from then on before deciding again.
        if (record) request.idempotentReplayableSince = record.startedAt;
        return next.handle().pipe(
          switchMap((body) => {
            const headers = Object.fromEntries(
              REPLAYED_HEADERS.flatMap((name) => {
                const value = response.getHeader(name);
                return value === undefined ? [] : [[name, String(value)]];
              }),
            );
            const saved = this.records.save({
              _id: recordId,
              fingerprint,
              startedAt: record?.startedAt ?? startedAt,
              status: response.statusCode,
              headers,
              body,
              createdAt: new Date().toISOString(),
            });
            return from(this.keepAnswer(saved)).pipe(map(() => body));
          }),
        );
      }),
    );
  }

  /**
   * The key's record from an earlier attempt, or none, in which case this attempt's start is
   * recorded first: if its answer is then lost, a replay knows since when to look its events up.
   * Where the read store refuses that write the command still runs (as it does when the answer
   * cannot be stored), counted: a replay of it relies on the event store recognising the re-send.
   */
  private async begin(
    pending: PendingIdempotencyRecord,
  ): Promise<PendingIdempotencyRecord | IdempotencyRecord | null> {
    try {
      return await this.records.begin(pending);
    } catch (error) {
      this.metrics.idempotencyPendingFailures.inc();
      this.logger.warn(
        `Idempotency key's start not recorded (the command runs; a replay of it whose answer is ` +
          `also lost relies on the event store recognising it): ${(error as Error).message}`,
      );
      return this.records.find(pending._id);
    }
  }

  /**
   * The command's events are committed by now, so its answer is a success whatever happens to
   * the stored copy. Without the copy a retry runs the command again under the same command id,
   * looks its events up from the recorded start, answers from them, and stores the copy then.
   */
  private async keepAnswer(saved: Promise<void>): Promise<void> {
    try {
      await saved;
    } catch (error) {
      this.metrics.idempotencySaveFailures.inc();
      this.logger.warn(
        `Idempotency record not saved (a retry rebuilds the answer from the events): ${
          (error as Error).message
        }`,
      );
    }
  }
}
