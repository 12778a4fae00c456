import { drainedOrClosed } from '../http/drained-or-closed';
import { Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { EventEnvelope } from '../event-store/event-envelope';
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

/** Flattened metadata for spreadsheets; `data` and `metadata` as JSON keep the row lossless. */
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
    actor: metadata?.actor?.subject,
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

const logger = new Logger('AuditExport');

/**
 * Streams an NDJSON or CSV export page by page, with back-pressure. A failure half-way destroys
 * the connection instead of ending the body, so that a cut-off export cannot pass for a whole
 * one. `nextCursor` (a page of a longer export) goes out as the X-Next-Cursor header.
 */
export async function writeExport(
  response: Response,
  format: Exclude<ExportFormat, 'json'>,
  filename: string,
  batches: AsyncIterable<EventEnvelope[]>,
  nextCursor: string | null = null,
): Promise<void> {
  response.status(200);
  response.setHeader('Content-Type', `${MEDIA_TYPES[format]}; charset=utf-8`);
  response.setHeader('Content-Disposition', `attachment; filename="${filename}.${format}"`);
  if (nextCursor !== null) response.setHeader('X-Next-Cursor', nextCursor);
  const render = format === 'csv' ? csvRow : ndjsonLine;
  try {
    if (format === 'csv' && !(await write(response, csvHeader()))) return;
    for await (const batch of batches) {
      if (!(await write(response, batch.map(render).join('')))) return;
    }
    response.end();
  } catch (error) {
    logger.error(`export failed: ${error instanceof Error ? error.message : String(error)}`);
    response.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}

async function write(response: Response, chunk: string): Promise<boolean> {
  if (response.destroyed) return false;
  if (!response.write(chunk)) await drainedOrClosed(response);
  return !response.destroyed;
}

export async function* single(items: EventEnvelope[]): AsyncGenerator<EventEnvelope[]> {
  if (items.length > 0) yield items;
}
