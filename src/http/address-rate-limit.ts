import type { Request, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { problemFor, sendProblem } from './problem';

/**
 * Limits each client address before any work is done, signed in or not. The address is the
 * socket's unless `trust proxy` names the proxy in front, so a forged X-Forwarded-For does not
 * buy a fresh allowance. Probes and scrapes are not counted.
 */
export function addressRateLimit(perMinute: number) {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    skip: (request: Request) => /^\/(health|metrics)(\/|$)/.test(request.path),
    handler: (request: Request, response: Response) =>
      sendProblem(
        request,
        response,
        problemFor('RATE_LIMITED', 'Too many requests from this address; retry later'),
      ),
  });
}
