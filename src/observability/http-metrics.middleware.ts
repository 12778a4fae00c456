import type { NextFunction, Request, Response } from 'express';
import type { LedgerMetrics } from './ledger-metrics';

/** Counts and times every request under its route template (never the raw path with its ids). */
export function httpMetrics(metrics: LedgerMetrics) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const stop = metrics.httpDuration.startTimer();
    response.on('finish', () => {
      const route = request.route ? `${request.baseUrl}${request.route.path}` : 'unmatched';
      const labels = { method: request.method, route, status: String(response.statusCode) };
      metrics.httpRequests.inc(labels);
      stop(labels);
    });
    next();
  };
}
