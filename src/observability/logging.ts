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
  const { role } = config;
  return {
    pinoHttp: {
      level: config.logLevel,
      genReqId: (request) => (request as RoutedRequest).correlationId ?? '',
      // The same bindings when the request arrives and when it ends, so pino-http keeps the one
      // child logger it made at the start instead of making another for the last line; the route,
      // known only once routing is done, goes in that line alone.
      customProps: (request) => {
        const routed = request as RoutedRequest;
        return { correlationId: routed.correlationId, traceparent: routed.traceparent, role };
      },
      customSuccessObject: (request, _response, line) => ({ ...line, route: routeOf(request) }),
      customErrorObject: (request, _response, _error, line) => ({
        ...line,
        route: routeOf(request),
      }),
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

function routeOf(request: IncomingMessage): string | undefined {
  const routed = request as RoutedRequest;
  return routed.route ? `${routed.baseUrl ?? ''}${routed.route.path}` : undefined;
}

/**
 * Drops the query string, names and values alike: a caller may put a token, or anything else it
 * should not, in a URL (even as a bare name), and the log keeps it longer than the request lives.
 */
export function withoutQuery(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : `${url.slice(0, query)}?[redacted]`;
}
