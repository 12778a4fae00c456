import type { OperationObject, ParameterObject, ResponseObject } from '@nestjs/swagger';
import { PROBLEMS, type ProblemCode } from '../../problems/problem-catalog';
import { PROBLEM_MEDIA_TYPE, problemFor } from '../problem';
import { headerRef } from './problem-schemas';
import type { RouteFacts } from './route-facts';

/** Refusals a parameter brings wherever it appears. */
const PARAMETER_REFUSALS: Record<string, ProblemCode[]> = {
  consistentWith: ['CONSISTENCY_TIMEOUT'],
  cursor: ['INVALID_CURSOR'],
  'If-Match': ['INVALID_IF_MATCH', 'REVISION_MISMATCH'],
  'Idempotency-Key': ['INVALID_IDEMPOTENCY_KEY', 'IDEMPOTENCY_KEY_REUSED'],
};

/** What the body parser and validation can refuse before a handler runs. */
const BODY_REFUSALS: ProblemCode[] = [
  'VALIDATION_FAILED',
  'MALFORMED_JSON',
  'JSON_TOO_DEEP',
  'INVALID_ENCODING',
  'REQUEST_ABORTED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_CHARSET',
  'UNSUPPORTED_ENCODING',
];

/** Every code one operation can answer with: its own, and those its shape and access bring. */
export function refusalsOf(operation: OperationObject, facts: RouteFacts): ProblemCode[] {
  const codes = new Set<ProblemCode>(facts.refusals);
  codes.add('RATE_LIMITED');
  if (!facts.isPublic) {
    codes.add('UNAUTHENTICATED').add('INVALID_TOKEN').add('STORE_UNAVAILABLE');
    if (facts.roles) codes.add('FORBIDDEN');
  }
  for (const parameter of (operation.parameters ?? []) as ParameterObject[]) {
    if (parameter.in === 'query') codes.add('VALIDATION_FAILED');
    if (parameter.in === 'path') codes.add('MALFORMED_URL');
    for (const code of PARAMETER_REFUSALS[parameter.name] ?? []) codes.add(code);
  }
  if (operation.requestBody) for (const code of BODY_REFUSALS) codes.add(code);
  return [...codes].sort();
}

const STATUS_HEADERS: Record<number, string[]> = {
  401: ['WWW-Authenticate'],
  429: ['Retry-After', 'RateLimit', 'RateLimit-Policy'],
};

/** One response per status, its body a problem whose `code` is one of that status's codes. */
export function problemResponses(codes: ProblemCode[]): Record<string, ResponseObject> {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of codes) {
    const { status } = PROBLEMS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, ResponseObject> = {};
  for (const [status, group] of [...byStatus].sort(([a], [b]) => a - b)) {
    const headers = STATUS_HEADERS[status] ?? [];
    responses[String(status)] = {
      description: group.map((code) => `\`${code}\`: ${PROBLEMS[code].title}`).join('; '),
      ...(headers.length
        ? { headers: Object.fromEntries(headers.map((name) => [name, headerRef(name)])) }
        : {}),
      content: {
        [PROBLEM_MEDIA_TYPE]: {
          schema: {
            allOf: [
              { $ref: '#/components/schemas/Problem' },
              {
                type: 'object',
                properties: {
                  status: { type: 'integer', enum: [status] },
                  code: { type: 'string', enum: group },
                },
              },
            ],
          },
          examples: Object.fromEntries(
            group.map((code) => [code, { summary: PROBLEMS[code].title, value: exampleOf(code) }]),
          ),
        },
      },
    };
  }
  return responses;
}

function exampleOf(code: ProblemCode) {
  const example = problemFor(code, `An explanation of this ${PROBLEMS[code].title.toLowerCase()}`);
  if (code === 'VALIDATION_FAILED') {
    return {
      ...example,
      detail: 'Invalid request: amount',
      errors: [{ field: 'amount', messages: ['amount must be a positive integer'] }],
    };
  }
  return example;
}
