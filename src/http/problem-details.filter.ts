import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { DomainError } from '../domain/domain-error';
import { LedgerError } from '../problems/ledger-error';
import type { ProblemCode } from '../problems/problem-catalog';
import { isStorageFault, RETRY_AFTER_SECONDS } from '../storage/storage-fault';
import { type Problem, problemFor, sendProblem } from './problem';

/** Errors the body parser raises before our code runs, by their `type`. */
const BODY_PARSER_ERRORS: Record<string, ProblemCode> = {
  'entity.too.large': 'PAYLOAD_TOO_LARGE',
  'entity.parse.failed': 'MALFORMED_JSON',
  'entity.too.deep': 'JSON_TOO_DEEP',
  'encoding.invalid': 'INVALID_ENCODING',
  'charset.unsupported': 'UNSUPPORTED_CHARSET',
  'encoding.unsupported': 'UNSUPPORTED_ENCODING',
  'request.aborted': 'REQUEST_ABORTED',
};

/**
 * The one place where every error becomes an HTTP answer. Our own refusals carry a code from the
 * problem catalog; the few the framework raises (throttling, body parsing, health checks, unknown
 * routes) are given theirs here; anything else is a 500 and is logged.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemDetailsFilter.name);

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const problem = toProblem(error);
    if (problem.code === 'INTERNAL_ERROR') {
      this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
    if (response.headersSent) {
      response.end();
      return;
    }
    // Answered before its body arrived (a refused token, say): closing, rather than keeping the
    // connection alive, spares reading a body nobody will use.
    if (!request.complete) response.set('Connection', 'close');
    // A lock released or space freed: the client may try again, and when.
    const retryAfter = isStorageFault(error) ? RETRY_AFTER_SECONDS[error.reason] : undefined;
    if (retryAfter !== undefined) response.set('Retry-After', String(retryAfter));
    sendProblem(request, response, problem);
  }
}

/** What a body-parser message would say less plainly. */
const BODY_PARSER_DETAILS: Partial<Record<ProblemCode, string>> = {
  UNSUPPORTED_ENCODING: 'Content-Encoding is not accepted: send the body uncompressed',
};

export function toProblem(error: unknown): Problem {
  // Raised as they are by the JSON body interceptor, or wrapped by the platform as a cause.
  const bodyError = bodyParserError(error instanceof HttpException ? error.cause : error);
  if (bodyError) {
    return problemFor(bodyError, BODY_PARSER_DETAILS[bodyError] ?? (error as Error).message);
  }
  if (error instanceof LedgerError) {
    return problemFor(error.code, error.message, {
      ...(error.errors ? { errors: error.errors } : {}),
      ...(isStorageFault(error) ? { reason: error.reason } : {}),
    });
  }
  if (error instanceof DomainError) return problemFor(error.code, error.message);
  if (error instanceof ThrottlerException) {
    // The throttler has set Retry-After already.
    return problemFor('RATE_LIMITED', 'Too many requests; retry later');
  }
  if (error instanceof ServiceUnavailableException && isHealthReport(error.getResponse())) {
    const report = error.getResponse() as { error: Record<string, unknown> };
    const failing = Object.keys(report.error).join(', ');
    return problemFor('NOT_READY', `Not ready: ${failing}`, { checks: report });
  }
  if (error instanceof HttpException) {
    if (error.cause instanceof URIError) return problemFor('MALFORMED_URL', error.message);
    if (error instanceof NotFoundException) return problemFor('ROUTE_NOT_FOUND', error.message);
  }
  return problemFor('INTERNAL_ERROR', 'The server failed to handle the request');
}

/** Terminus answers a failed health check with its whole report. */
function isHealthReport(response: unknown): boolean {
  return typeof response === 'object' && response !== null && 'details' in response;
}

function bodyParserError(error: unknown): ProblemCode | undefined {
  const type = (error as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? BODY_PARSER_ERRORS[type] : undefined;
}
