import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config';

type RoutedRequest = IncomingMessage & {
  correlationId?: string;
  traceparent?: string;
  baseUrl?: string;
  route?: { path: string };
};

/**
 * Structured JSON logs: one line per request with method, route template, status, duration and
 * correlation id; credentials never reach the log, not even one sent as `?access_token=`.
 */
export function loggingOptions(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      genReqId: (request) => (request as RoutedRequest).correlationId ?? '',
      customProps: (request) => {
        const routed = request as RoutedRequest;
        return {
          correlationId: routed.correlationId,
          traceparent: routed.traceparent,
          route: routed.route ? `${routed.baseUrl ?? ''}${routed.route.path}` : undefined,
          role: config.role,
        };
      },
      serializers: {
        req: (request: { method: string; url: string }) => ({
          method: request.method,
          url: withoutQuery(request.url),
        }),
        res: (response: ServerResponse) => ({ statusCode: response.statusCode }),
      },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.headers["idempotency-key"]',
          '*.token',
          '*.secret',
          '*.password',
        ],
        censor: '[redacted]',
      },
    },
  };
}

/**
 * Drops the query string, names and values alike: a caller may put a token, or anything else it
 * should not, in a URL (even as a bare name), and the log keeps it longer than the request lives.
 */
export function withoutQuery(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : `${url.slice(0, query)}?[redacted]`;
}
