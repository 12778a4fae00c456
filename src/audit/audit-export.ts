import type { Request, Response } from 'express';
import { subjectRefOf } from '../domain/personal-data';
import type { EventEnvelope } from '../event-store/event-envelope';
import { streamExport } from '../http/streamed-export';
import { LedgerError } from '../problems/ledger-error';

export type ExportFormat = 'json' | 'ndjson' | 'csv';

const MEDIA_TYPES: Record<ExportFormat, string> = {
  json: 'application/json',
  ndjson: 'application/x-ndjson',
  csv: 'text/csv',
};

/** From the Accept header: none, or one taking any type, means JSON; nothing we make is 406. */
export function negotiate(request: Request): ExportFormat {
  const chosen = request.accepts(Object.values(MEDIA_TYPES));
  const format = (Object.keys(MEDIA_TYPES) as ExportFormat[]).find(
    (key) => MEDIA_TYPES[key] === chosen,
  );
  if (!format) {
    throw new LedgerError(
      'NOT_ACCEPTABLE',
      `Audit history is served as ${Object.values(MEDIA_TYPES).join(', ')}`,
    );
  }
  return format;
}

/** One envelope per line, exactly as the store hands it out, so the hash can be recomputed. */
export function ndjsonLine(event: EventEnvelope): string {
  return `${JSON.stringify(event)}\n`;
}

export const CSV_COLUMNS = [
  'position',
  'streamId',
  'revision',
  'eventId',
  'type',
  'schemaVersion',
  'recordedAt',
  'actor',
  'actorRoles',
  'correlationId',
  'causationId',
  'commandId',
  'hash',
  'data',
  'metadata',
] as const;

/** What a spreadsheet takes for the start of a formula (tab and CR included: some strip them). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * RFC 4180: CRLF line ends; a field with a comma, quote or line break is quoted. A cell that a
 * spreadsheet would run as a formula (a token subject or correlation id starting with `=`, say)
 * gets a leading `'`, which spreadsheets show as text; the JSON columns and NDJSON stay exact.
 */
export function csvField(value: unknown): string {
  const raw = value === undefined || value === null ? '' : String(value);
  const formula = FORMULA_START.test(raw);
  const text = formula ? `'${raw}` : raw;
  return formula || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

/**
 * Flattened metadata for spreadsheets; `data` and `metadata` as JSON keep the row lossless. The
 * audit trail is the stored form, where the actor is sealed: its column names the actor's blind
 * index, never the ciphertext.
 */
export function csvRow(event: EventEnvelope): string {
  const { metadata } = event;
  const values: Record<(typeof CSV_COLUMNS)[number], unknown> = {
    position: event.position,
    streamId: event.streamId,
    revision: event.revision,
    eventId: event.eventId,
    type: event.type,
    schemaVersion: event.schemaVersion,
    recordedAt: event.recordedAt,
    actor: subjectRefOf(metadata?.actor?.subject) ?? metadata?.actor?.subject,
    actorRoles: (metadata?.actor?.roles ?? []).join(';'),
    correlationId: metadata?.correlationId,
    causationId: metadata?.causationId,
    commandId: metadata?.commandId,
    hash: event.hash,
    data: JSON.stringify(event.data),
    metadata: JSON.stringify(metadata),
  };
  return `${CSV_COLUMNS.map((column) => csvField(values[column])).join(',')}\r\n`;
}

/**
 * Streams an NDJSON or CSV export page by page (see streamExport). `nextCursor` (a page of a
 * longer export) goes out as the X-Next-Cursor header.
 */
export function writeExport(
  response: Response,
  format: Exclude<ExportFormat, 'json'>,
  filename: string,
  batches: AsyncIterable<EventEnvelope[]>,
  nextCursor: string | null = null,
): Promise<void> {
  return streamExport(response, {
    contentType: MEDIA_TYPES[format],
    headers: {
      'Content-Disposition': `attachment; filename="${filename}.${format}"`,
      ...(nextCursor !== null ? { 'X-Next-Cursor': nextCursor } : {}),
    },
    ...(format === 'csv' ? { preamble: csvHeader() } : {}),
    pages: batches,
    render: format === 'csv' ? csvRow : ndjsonLine,
  });
}

export async function* single(items: EventEnvelope[]): AsyncGenerator<EventEnvelope[]> {
  if (items.length > 0) yield items;
}
