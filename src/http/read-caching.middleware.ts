import type { NextFunction, Request, Response } from 'express';

/**
 * Reads may be cached, but only by the client and only after revalidation: every answer carries an
 * ETag (the read model's revision where there is one, else Express's hash of the body), and an
 * If-None-Match naming it gets 304 without a body.
 *
 * Express decides "fresh" (and so 304) itself, but treats any `Cache-Control: no-cache` in the
 * request as "not fresh": a rule for caches, not for an origin server, and fetch clients send that
 * header with every conditional request. So freshness is judged here by RFC 9110's weak comparison.
 */
export function readCaching(request: Request, response: Response, next: NextFunction): void {
  if (request.method === 'GET' || request.method === 'HEAD') {
    response.setHeader('Cache-Control', 'private, no-cache');
    Object.defineProperty(request, 'fresh', {
      get: () => matchesCurrentTag(request.header('if-none-match'), response),
    });
  }
  next();
}

function matchesCurrentTag(ifNoneMatch: string | undefined, response: Response): boolean {
  const status = response.statusCode;
  if (!ifNoneMatch || status < 200 || status >= 300) return false;
  const current = response.getHeader('ETag');
  if (typeof current !== 'string') return false;
  if (ifNoneMatch.trim() === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => opaque(tag) === opaque(current));
}
