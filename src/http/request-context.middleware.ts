import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';

declare module 'express-serve-static-core' {
  interface Request {
    correlationId: string;
    traceparent?: string;
  }
}

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** Every request gets a correlation id (the caller's, when it is sane) echoed in the response. */
export function requestContext(request: Request, response: Response, next: NextFunction): void {
  const given = request.header('x-correlation-id');
  request.correlationId = given && CORRELATION_ID.test(given) ? given : randomUUID();
  response.setHeader('X-Correlation-Id', request.correlationId);
  const traceparent = request.header('traceparent');
  if (traceparent && TRACEPARENT.test(traceparent)) request.traceparent = traceparent;
  next();
}
