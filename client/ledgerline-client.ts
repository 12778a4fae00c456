import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './ledgerline-api';

export type { components, operations, paths } from './ledgerline-api';
export type LedgerlineClient = Client<paths>;

/**
 * A typed fetch client for the Ledgerline API: paths, parameters, bodies and every documented
 * answer (success and problem details) are checked by the compiler against the OpenAPI document.
 * `token` is a bearer token, or a function giving one (minted or refreshed on demand).
 */
export function ledgerlineClient(
  baseUrl: string,
  token?: string | (() => Promise<string> | string),
): LedgerlineClient {
  const client = createClient<paths>({ baseUrl });
  if (token !== undefined) {
    const bearer: Middleware = {
      async onRequest({ request }) {
        if (!request.headers.has('authorization')) {
          const value = typeof token === 'function' ? await token() : token;
          request.headers.set('authorization', `Bearer ${value}`);
        }
        return request;
      },
    };
    client.use(bearer);
  }
  return client;
}
