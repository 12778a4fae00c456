import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Logger,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { ThrottlerException } from '@nestjs/throttler';
import { STATUS_CODES } from 'node:http';
import { ConcurrencyConflictError, RevisionMismatchError } from '../commands/command.errors';
import { DomainError, type DomainErrorCode } from '../domain/domain-error';
import {
  EventStoreUnavailableError,
  InvalidPositionError,
  PartialDuplicateAppendError,
  StreamDeletedError,
  WrongExpectedRevisionError,
} from '../event-store/event-store.errors';
import {
  ConsistencyTimeoutError,
  InvalidCursorError,
  NotFoundInReadModelError,
} from '../queries/query.errors';
import { ReadStoreUnavailableError } from '../read-store/read-store.errors';
import { type Problem, ProblemError } from './problem';

const DOMAIN_STATUS: Record<DomainErrorCode, number> = {
  ACCOUNT_NOT_FOUND: 404,
  TRANSFER_NOT_FOUND: 404,
  ACCOUNT_ALREADY_EXISTS: 409,
  TRANSFER_ALREADY_EXISTS: 409,
  INVALID_TRANSFER_STATE: 409,
  ACCOUNT_CLOSED: 422,
  INSUFFICIENT_FUNDS: 422,
  CURRENCY_MISMATCH: 422,
  UNSUPPORTED_CURRENCY: 422,
  INVALID_AMOUNT: 422,
  INVALID_OVERDRAFT_LIMIT: 422,
  BALANCE_NOT_ZERO: 422,
  TRANSFER_IN_FLIGHT: 422,
  SAME_ACCOUNT_TRANSFER: 422,
};

/** Errors the body parser raises before our code runs, by their `type`. */
const BODY_PARSER_ERRORS: Record<string, { status: number; code: string }> = {
  'entity.too.large': { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  'entity.parse.failed': { status: 400, code: 'MALFORMED_JSON' },
  'encoding.invalid': { status: 400, code: 'INVALID_ENCODING' },
  'charset.unsupported': { status: 415, code: 'UNSUPPORTED_CHARSET' },
  'encoding.unsupported': { status: 415, code: 'UNSUPPORTED_ENCODING' },
  'request.aborted': { status: 400, code: 'REQUEST_ABORTED' },
};

/** The one place where every error becomes an HTTP answer. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemDetailsFilter.name);

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const problem = { ...this.toProblem(error), instance: request.originalUrl };
    if (problem.status >= 500 && problem.code === 'INTERNAL_ERROR') {
      this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
    if (response.headersSent) {
      response.end();
      return;
    }
    if (error instanceof ProblemError && error.headers) response.set(error.headers);
    response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }

  private toProblem(error: unknown): Problem {
    if (error instanceof ProblemError) {
      return problem(error.status, error.code, error.message, error.errors);
    }
    if (error instanceof ThrottlerException) {
      // The throttler has set Retry-After already.
      return problem(429, 'RATE_LIMITED', 'Too many requests; retry later');
    }
    if (error instanceof DomainError) {
      return problem(DOMAIN_STATUS[error.code], error.code, error.message);
    }
    if (error instanceof NotFoundInReadModelError) {
      return problem(404, error.code, error.message);
    }
    if (error instanceof InvalidCursorError) {
      return problem(400, 'INVALID_CURSOR', error.message);
    }
    if (error instanceof ConsistencyTimeoutError) {
      return problem(503, 'CONSISTENCY_TIMEOUT', error.message);
    }
    if (error instanceof RevisionMismatchError) {
      return problem(412, 'REVISION_MISMATCH', error.message);
    }
    if (
      error instanceof ConcurrencyConflictError ||
      error instanceof WrongExpectedRevisionError ||
      error instanceof PartialDuplicateAppendError
    ) {
      return problem(409, 'CONCURRENCY_CONFLICT', error.message);
    }
    if (error instanceof StreamDeletedError) return problem(410, 'STREAM_DELETED', error.message);
    if (error instanceof InvalidPositionError) {
      return problem(400, 'INVALID_POSITION', error.message);
    }
    if (error instanceof EventStoreUnavailableError || error instanceof ReadStoreUnavailableError) {
      return problem(503, 'STORE_UNAVAILABLE', error.message);
    }
    if (error instanceof ServiceUnavailableException && isHealthReport(error.getResponse())) {
      const report = error.getResponse() as { error: Record<string, unknown> };
      const failing = Object.keys(report.error).join(', ');
      return { ...problem(503, 'NOT_READY', `Not ready: ${failing}`), checks: report };
    }
    if (error instanceof HttpException) {
      // The platform wraps body-parser failures; their `type` says what went wrong.
      const bodyError = bodyParserError(error.cause);
      if (bodyError) return problem(bodyError.status, bodyError.code, error.message);
      const status = error.getStatus();
      const code = status === 404 ? 'ROUTE_NOT_FOUND' : `HTTP_${status}`;
      return problem(status, code, error.message);
    }
    return problem(500, 'INTERNAL_ERROR', 'The server failed to handle the request');
  }
}

/** Terminus answers a failed health check with its whole report. */
function isHealthReport(response: unknown): boolean {
  return typeof response === 'object' && response !== null && 'details' in response;
}

function bodyParserError(error: unknown): { status: number; code: string } | undefined {
  const type = (error as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? BODY_PARSER_ERRORS[type] : undefined;
}

function problem(
  status: number,
  code: string,
  detail: string,
  errors?: Problem['errors'],
): Problem {
  const title = STATUS_CODES[status] ?? 'Error';
  return {
    type: `https://ledgerline.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    title,
    status,
    code,
    detail,
    ...(errors ? { errors } : {}),
  };
}
