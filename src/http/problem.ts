import type { Request, Response } from 'express';
import type { FieldError } from '../problems/ledger-error';
import { PROBLEMS, type ProblemCode } from '../problems/problem-catalog';
import type { StorageFaultReason } from '../storage/storage-fault';

/** RFC 9457 problem details, with our stable machine-readable `code`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail: string;
  instance?: string;
  /** Validation failures: one entry per bad field. */
  errors?: FieldError[];
  /** Readiness failures: the health report, naming every check. */
  checks?: unknown;
  /** STORE_UNAVAILABLE: why (busy, full, read-only, corrupt, vanished, closed, unreachable). */
  reason?: StorageFaultReason;
}

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="ledgerline"' };

/** Headers that go with a code wherever it is raised (RFC 6750's challenge on every 401). */
export const PROBLEM_HEADERS: Partial<Record<ProblemCode, Record<string, string>>> = {
  UNAUTHENTICATED: CHALLENGE,
  INVALID_TOKEN: CHALLENGE,
};

export function problemTypeOf(code: ProblemCode): string {
  return `https://ledgerline.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`;
}

/** The body for a code, with its status and title from the catalog. */
export function problemFor(
  code: ProblemCode,
  detail: string,
  extra: Pick<Problem, 'errors' | 'checks' | 'reason'> = {},
): Problem {
  const { status, title } = PROBLEMS[code];
  return { type: problemTypeOf(code), title, status, code, detail, ...extra };
}

/** Writes a problem as the answer, with the headers its code carries. */
export function sendProblem(request: Request, response: Response, problem: Problem): void {
  const headers = PROBLEM_HEADERS[problem.code];
  if (headers) response.set(headers);
  response
    .status(problem.status)
    .type(PROBLEM_MEDIA_TYPE)
    .send(JSON.stringify({ ...problem, instance: request.originalUrl }));
}
