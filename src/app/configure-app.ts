import { ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { addressRateLimit } from '../http/address-rate-limit';
import { Logger } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config';
import { openApiDocument } from '../http/openapi/openapi-document';
import { JsonBodyInterceptor } from '../http/json-body.interceptor';
import { ProblemDetailsFilter } from '../http/problem-details.filter';
import { requestContext } from '../http/request-context.middleware';
import { validationProblem } from '../http/validation-problem';
import { httpMetrics } from '../observability/http-metrics.middleware';
import { LedgerMetrics } from '../observability/ledger-metrics';
import { readCaching } from '../http/read-caching.middleware';

/** One year, as browsers' preload lists expect. */
const HSTS_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

/** Everything about the HTTP surface that is not a route; shared by main.ts and the e2e tests. */
export function configureApp(app: NestExpressApplication, config: AppConfig): void {
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  // HSTS means something only over HTTPS; behind a TLS-terminating proxy, the proxy sends it.
  app.use(
    helmet({
      strictTransportSecurity: config.tls
        ? { maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: true }
        : false,
    }),
  );
  if (config.corsOrigins.length > 0) app.enableCors({ origin: config.corsOrigins });
  app.use(requestContext);
  app.use(addressRateLimit(config.rateLimit.perAddress));
  app.use(httpMetrics(app.get(LedgerMetrics)));
  app.use(readCaching);
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      forbidUnknownValues: true,
      exceptionFactory: validationProblem,
    }),
  );
  app.useGlobalFilters(new ProblemDetailsFilter());
  // Bodies are read after the guards (authentication, roles, rate limits), not as middleware.
  app.useGlobalInterceptors(new JsonBodyInterceptor(config.bodyLimitBytes));

  SwaggerModule.setup('docs', app, openApiDocument(app), { jsonDocumentUrl: 'docs/openapi.json' });
}
