import type { HeaderObject, SchemaObject } from '@nestjs/swagger';
import { PROBLEM_CODES, PROBLEMS } from '../../problems/problem-catalog';
import { RETRY_AFTER_SECONDS } from '../../storage/storage-fault';

/** RFC 9457 problem details as every refusal carries them; `code` names the catalog entry. */
export const PROBLEM_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'RFC 9457 problem details with a stable machine-readable `code`',
  required: ['type', 'title', 'status', 'code', 'detail'],
  properties: {
    type: { type: 'string', format: 'uri', description: 'Names the problem type' },
    title: { type: 'string', description: 'The same for every answer with this code' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    code: { $ref: '#/components/schemas/ProblemCode' },
    detail: { type: 'string', description: 'What went wrong with this request, for people' },
    instance: { type: 'string', description: 'The request path and query' },
    errors: {
      type: 'array',
      description: 'VALIDATION_FAILED only: every bad field, nested ones by their dotted path',
      items: {
        type: 'object',
        required: ['field', 'messages'],
        properties: {
          field: { type: 'string' },
          messages: { type: 'array', items: { type: 'string' } },
        },
      },
    },
    checks: {
      type: 'object',
      description: 'NOT_READY only: the health report, naming every failing check',
    },
    reason: {
      type: 'string',
      enum: Object.keys(RETRY_AFTER_SECONDS),
      description: 'STORE_UNAVAILABLE only: why the store cannot do it now (see the README)',
    },
  },
};

export const PROBLEM_CODE_SCHEMA: SchemaObject = {
  type: 'string',
  enum: PROBLEM_CODES,
  description: PROBLEM_CODES.map(
    (code) => `- \`${code}\` (${PROBLEMS[code].status}): ${PROBLEMS[code].title}`,
  ).join('\n'),
};

const text = (description: string, extra: SchemaObject = {}): HeaderObject => ({
  description,
  schema: { type: 'string', ...extra },
});

/** Response headers the API sets, referenced from each answer that carries them. */
export const HEADERS: Record<string, HeaderObject> = {
  ETag: text('The stream revision the answer reflects, e.g. "3"; send it back in If-Match'),
  Location: text('Where the new resource can be read'),
  'Idempotent-Replayed': text('Set when this answer is a replay of an earlier one', {
    enum: ['true'],
  }),
  'Retry-After': text('Seconds to wait before trying again', { pattern: '^[0-9]+$' }),
  RateLimit: text('The caller’s remaining allowance (IETF draft-7 RateLimit header)'),
  'RateLimit-Policy': text('The allowance per window (IETF draft-7)'),
  'WWW-Authenticate': text('The bearer challenge (RFC 6750)'),
  'X-Correlation-Id': text('The request’s correlation id, taken from the request or generated'),
  'X-Next-Cursor': text('A paged export: the cursor of the next page'),
};

export const headerRef = (name: keyof typeof HEADERS) => ({
  $ref: `#/components/headers/${name}`,
});
