import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { HttpClient } from '../../harness/http-client';
import type { RunningLedger } from '../support/ledger-app';
import { STAFF, tokenFor } from '../../harness/tokens';

/** Opens an account and deposits 1..deposits: the stream has revisions 0..deposits. */
export async function accountWithHistory(
  http: HttpClient,
  accountId: string,
  deposits = 5,
  headers: Record<string, string> = {},
): Promise<string> {
  const opened = await http.post(
    '/accounts',
    { ownerId: 'auditee', currency: 'EUR', accountId },
    headers,
  );
  if (opened.status !== 201) throw new Error(`open ${accountId}: ${JSON.stringify(opened.body)}`);
  for (let amount = 1; amount <= deposits; amount++) {
    const deposit = await http.post(`/accounts/${accountId}/deposits`, { amount }, headers);
    if (deposit.status !== 200) throw new Error(`deposit: ${JSON.stringify(deposit.body)}`);
  }
  return `account-${accountId}`;
}

/** Changes the embedded event store's file behind the application's back, as an intruder would. */
export function tamperWithEventStore(
  ledger: RunningLedger,
  change: (db: Database.Database) => void,
): void {
  const db = new Database(join(ledger.dataDir, 'events.sqlite'));
  try {
    db.pragma('busy_timeout = 5000');
    db.transaction(() => change(db)).immediate();
  } finally {
    db.close();
  }
}

/** An intruder who knows the hash rule: recomputes a stream's whole chain after editing it. */
export function rehashStream(db: Database.Database, streamId: string): void {
  const rows = db
    .prepare('SELECT * FROM events WHERE stream_id = ? ORDER BY revision')
    .all(streamId) as Record<string, any>[];
  let previous = '0'.repeat(64);
  for (const row of rows) {
    const canonical = canonicalJson({
      eventId: row.event_id,
      type: row.type,
      schemaVersion: row.schema_version,
      streamId: row.stream_id,
      revision: row.revision,
      recordedAt: row.recorded_at,
      data: JSON.parse(row.data),
      metadata: JSON.parse(row.metadata),
    });
    previous = createHash('sha256').update(`${canonical}\n${previous}`).digest('hex');
    db.prepare('UPDATE events SET hash = ? WHERE position = ?').run(previous, row.position);
  }
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const object = value as Record<string, unknown>;
  return `{${Object.keys(object)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`)
    .join(',')}}`;
}

export function parseNdjson(text: string): any[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

/** GET with an Accept header, returning the raw body (the JSON client parses everything). */
export async function getText(
  ledger: RunningLedger,
  path: string,
  accept: string,
): Promise<{ status: number; headers: Headers; text: string }> {
  const token = await tokenFor(STAFF.subject, ...STAFF.roles);
  const response = await fetch(`${ledger.baseUrl}${path}`, {
    headers: { accept, authorization: `Bearer ${token}` },
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}
