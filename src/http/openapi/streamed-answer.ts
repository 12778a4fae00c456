import type { ContentObject } from '@nestjs/swagger';

/** A JSON page, or the same records streamed as NDJSON lines or CSV rows, by the Accept header. */
export function streamedContent(
  jsonSchemaRef: string,
  streamed: { ndjson?: string; csv?: string },
): ContentObject {
  return {
    'application/json': { schema: { $ref: jsonSchemaRef } },
    ...(streamed.ndjson
      ? {
          'application/x-ndjson': {
            schema: { type: 'string', description: streamed.ndjson },
          },
        }
      : {}),
    ...(streamed.csv
      ? { 'text/csv': { schema: { type: 'string', description: streamed.csv } } }
      : {}),
  };
}
