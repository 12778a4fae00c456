import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import type { Request, RequestHandler, Response } from 'express';
import { json } from 'express';
import { from, type Observable, switchMap } from 'rxjs';

/** Deeper than any body the api takes; far below what would exhaust the parser's stack. */
export const MAX_JSON_DEPTH = 32;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads and parses a JSON body only once the guards have passed, so that a caller without a valid
 * token (or without the role) is answered before a byte of its body is read. Runs as the first
 * interceptor, before the route's own, which may need the body (idempotency keys hash it).
 */
export class JsonBodyInterceptor implements NestInterceptor {
  private readonly parse: RequestHandler;

  constructor(limitBytes: number) {
    this.parse = json({
      limit: limitBytes,
      // A compressed body is an amplification risk and saves nothing on bodies this small.
      inflate: false,
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
        if (nestingDepth(buffer) > MAX_JSON_DEPTH) {
          throw Object.assign(new Error(`JSON is nested deeper than ${MAX_JSON_DEPTH} levels`), {
            type: 'entity.too.deep',
          });
        }
      },
    });
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const parsed = new Promise<void>((resolve, reject) =>
      this.parse(request, response, (error?: unknown) => (error ? reject(error) : resolve())),
    );
    return from(parsed).pipe(switchMap(() => next.handle()));
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPENERS = new Set([0x5b, 0x7b]);
const CLOSERS = new Set([0x5d, 0x7d]);

/** The deepest array/object nesting in raw JSON text, brackets inside strings not counted. */
export function nestingDepth(text: Uint8Array): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const byte = text[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (OPENERS.has(byte)) {
      deepest = Math.max(deepest, ++depth);
    } else if (CLOSERS.has(byte)) {
      depth--;
    }
  }
  return deepest;
}
