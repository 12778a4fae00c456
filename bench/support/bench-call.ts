/** Only the fields the benchmarks read; the rest of each JSON answer is passed through. */
export interface Answer {
  status: number;
  body: { position: number; revision: number; [field: string]: unknown };
}

/** One request to a benchmarked app as the caller `authorization` names, JSON in and out. */
export function benchCaller(authorization: string, timeoutMs: number) {
  return async function call(
    baseUrl: string,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<Answer> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
}
