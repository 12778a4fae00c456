import { type LedgerlineClient, ledgerlineClient } from '../client/ledgerline-client';
import type { Role } from '../src/auth/roles';
import { STAFF, tokenFor } from './tokens';

export interface HttpAnswer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * The generated, typed client (client/ledgerline-client.ts) signed in as `caller`: paths, bodies and
 * answers are checked by the compiler against the OpenAPI document, so an API change the document
 * does not show fails to compile here.
 */
export function apiClient(
  baseUrl: string,
  caller: { subject: string; roles: Role[] } | null = STAFF,
): LedgerlineClient {
  if (!caller) return ledgerlineClient(baseUrl);
  const token = tokenFor(caller.subject, ...caller.roles);
  return ledgerlineClient(baseUrl, () => token);
}

/**
 * Raw requests the document does not describe (hostile bytes, wrong content types, made-up
 * headers): a thin real HTTP client (Node's fetch) that always parses JSON bodies. It signs in as `caller`
 * (staff who may use every endpoint, by default; null for no token at all); a request that names
 * its own `authorization` header keeps it.
 */
export function httpClient(
  baseUrl: string,
  caller: { subject: string; roles: Role[] } | null = STAFF,
) {
  const token = caller ? tokenFor(caller.subject, ...caller.roles) : undefined;
  async function call<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpAnswer<T>> {
    const signedIn = token ? { authorization: `Bearer ${await token}`, ...headers } : headers;
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? signedIn : { 'content-type': 'application/json', ...signedIn },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text ? JSON.parse(text) : undefined,
    };
  }
  return {
    call,
    get: <T = any>(path: string, headers?: Record<string, string>) =>
      call<T>('GET', path, undefined, headers),
    post: <T = any>(path: string, body?: unknown, headers?: Record<string, string>) =>
      call<T>('POST', path, body ?? {}, headers),
  };
}

export type HttpClient = ReturnType<typeof httpClient>;
