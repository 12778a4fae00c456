import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  type OpenAPIObject,
  type OperationObject,
  type ResponseObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { ROLES } from '../../auth/roles';
import { problemResponses, refusalsOf } from './problem-responses';
import { HEADERS, headerRef, PROBLEM_CODE_SCHEMA, PROBLEM_SCHEMA } from './problem-schemas';
import { routeFacts } from './route-facts';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
const SIGNED_IN = 'bearer';

/**
 * The OpenAPI document, complete: Nest's description of routes, parameters and success answers,
 * plus, from the problem catalog and the guards' own metadata, every refusal each operation can
 * give, the roles it needs and the headers that come back.
 */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Ledgerline')
      .setDescription(
        'Event-sourced money ledger: commands, queries, read-your-writes. Every refusal is an ' +
          'RFC 9457 problem (`application/problem+json`) with a stable `code`; each operation ' +
          'lists the codes it can answer with under their statuses. Any request may also get ' +
          '404 `ROUTE_NOT_FOUND` (no such route) or 500 `INTERNAL_ERROR`. Bearer tokens are JWTs ' +
          'with a `roles` claim; each operation names the roles that may call it.',
      )
      .setVersion('0.1.0')
      .build(),
  );
  const facts = routeFacts(app);
  document.components = {
    ...document.components,
    schemas: {
      ...document.components?.schemas,
      Problem: PROBLEM_SCHEMA,
      ProblemCode: PROBLEM_CODE_SCHEMA,
    },
    headers: HEADERS,
    securitySchemes: {
      [SIGNED_IN]: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      ...Object.fromEntries(
        ROLES.map((role) => [
          role,
          {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: `A token whose \`roles\` include \`${role}\``,
          },
        ]),
      ),
    },
  };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method] as OperationObject | undefined;
      if (!operation) continue;
      const route = facts.get(`${method} ${path}`);
      if (!route) throw new Error(`No route behind the documented ${method} ${path}`);
      operation.security = route.isPublic
        ? []
        : route.roles
          ? route.roles.map((role) => ({ [role]: [] }))
          : [{ [SIGNED_IN]: [] }];
      Object.assign(operation.responses, problemResponses(refusalsOf(operation, route)));
      if (method === 'get') {
        operation.responses['304'] = {
          description: 'Not modified: If-None-Match named the current ETag',
        };
      }
      for (const response of Object.values(operation.responses) as ResponseObject[]) {
        response.headers = {
          'X-Correlation-Id': headerRef('X-Correlation-Id'),
          ...(path.startsWith('/health')
            ? {}
            : {
                RateLimit: headerRef('RateLimit'),
                'RateLimit-Policy': headerRef('RateLimit-Policy'),
              }),
          ...response.headers,
        };
      }
    }
  }
  return document;
}
