import { randomUUID } from 'node:crypto';
import type { AppConfig } from '../../src/config/app-config';
import type { EventEnvelope, NewEvent } from '../../src/event-store/event-envelope';
import { httpClient, type HttpClient } from '../../harness/http-client';
import { startLedger } from '../support/ledger-app';
import { tempDataDir } from '../../harness/data-dir';
import { tokenFor } from '../../harness/tokens';

/**
 * The embedded ledger, with rate limits out of the way (these tests page through the log with
 * hundreds of requests), a teller to make history and an analyst to read it.
 */
export async function startAnalyticsLedger(overrides: Partial<AppConfig> = {}) {
  const ledger = await startLedger(tempDataDir(), {
    rateLimit: { perSubject: 1_000_000, perAddress: 1_000_000 },
    ...overrides,
  });
  return {
    ledger,
    analystToken: `Bearer ${await tokenFor('ada-analyst', 'analyst')}`,
    teller: httpClient(ledger.baseUrl, { subject: 'tom-teller', roles: ['teller'] }),
    analyst: httpClient(ledger.baseUrl, { subject: 'ada-analyst', roles: ['analyst'] }),
  };
}

/** Follows nextCursor from the first page to the last; also returns how many requests it took. */
export async function allPages(http: HttpClient, path: string) {
  const items: EventEnvelope[] = [];
  let requests = 0;
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const url: string = cursor === null ? path : `${path}${separator}cursor=${cursor}`;
    const answer = await http.get(url);
    requests++;
    if (answer.status !== 200) {
      throw new Error(`${url}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    items.push(...answer.body.items);
    cursor = answer.body.nextCursor;
  } while (cursor !== null);
  return { items, requests };
}

export async function getNdjson(baseUrl: string, path: string, authorization: string) {
  const response = await fetch(`${baseUrl}${path}`, {
    headers: { accept: 'application/x-ndjson', authorization },
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    text,
    lines: text === '' ? [] : text.trimEnd().split('\n'),
  };
}

export const metadata = {
  actor: { subject: 'analytics-test', roles: [] },
  correlationId: 'analytics-test',
  causationId: 'analytics-test',
  commandId: 'analytics-test',
};

export function newEvent(type: string, data: unknown, schemaVersion = 1): NewEvent {
  return { eventId: randomUUID(), type, schemaVersion, data, metadata };
}
