import { ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { json } from 'express';
import helmet from 'helmet';
import { addressRateLimit } from '../http/address-rate-limit';
import { Logger } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config';
import { openApiDocument } from '../http/openapi/openapi-document';
import { ProblemDetailsFilter } from '../http/problem-details.filter';
import { requestContext } from '../http/request-context.middleware';
import { validationProblem } from '../http/validation-problem';
import { httpMetrics } from '../observability/http-metrics.middleware';
import { LedgerMetrics } from '../observability/ledger-metrics';
import { readCaching } from '../http/read-caching.middleware';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Everything about the HTTP surface that is not a route; shared by main.ts and the e2e tests. */
export function configureApp(app: NestExpressApplication, config: AppConfig): void {
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(helmet());
  if (config.corsOrigins.length > 0) app.enableCors({ origin: config.corsOrigins });
  app.use(requestContext);
  app.use(addressRateLimit(config.rateLimit.perAddress));
  app.use(httpMetrics(app.get(LedgerMetrics)));
  app.use(readCaching);
  app.use(
    json({
      limit: config.bodyLimitBytes,
      // JSON.parse keeps "__proto__" as an own key, which validation cannot see as a field.
      reviver: (key: string, value: unknown) => {
        if (key === '__proto__') throw new SyntaxError('"__proto__" is not an allowed key');
        return value;
      },
      verify: (_request, _response, buffer) => {
        try {
          utf8.decode(buffer);
        } catch {
          throw Object.assign(new Error('Request body is not valid UTF-8'), {
            type: 'encoding.invalid',
          });
        }
      },
    }),
  );
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

  SwaggerModule.setup('docs', app, openApiDocument(app), { jsonDocumentUrl: 'docs/openapi.json' });
}
