import { applyDecorators, HttpCode, type Type, UseInterceptors } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { HEADERS, headerRef } from './openapi/problem-schemas';
import { Refuses } from './openapi/refuses.decorator';

/**
 * What every command route shares: Idempotency-Key, If-Match (parsed for every command), the
 * retried-then-refused concurrency conflict, and an answer with the stream revision as its ETag.
 */
export function CommandEndpoint(answer: {
  status: 200 | 201 | 202;
  type: Type<unknown>;
  description: string;
  location?: boolean;
}) {
  return applyDecorators(
    HttpCode(answer.status),
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'The same key and body replay the first answer; another body is a 409',
    }),
    ApiHeader({
      name: 'If-Match',
      required: false,
      description: 'The stream revision you last saw, e.g. "3": the command applies only there',
    }),
    // A stream deleted in EventStoreDB outside Ledgerline is neither read nor appended to.
    Refuses('CONCURRENCY_CONFLICT', 'STREAM_DELETED'),
    ApiResponse({
      status: answer.status,
      type: answer.type,
      description: answer.description,
      headers: {
        ETag: { ...HEADERS.ETag, required: true },
        ...(answer.location ? { Location: { ...HEADERS.Location, required: true } } : {}),
        'Idempotent-Replayed': headerRef('Idempotent-Replayed'),
      },
    }),
  );
}
