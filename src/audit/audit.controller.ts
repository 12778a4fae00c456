import { Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiExtraModels, ApiOkResponse, getSchemaPath } from '@nestjs/swagger';
import { ApiController } from '../http/api-controller.decorator';
import { headerRef } from '../http/openapi/problem-schemas';
import { Refuses } from '../http/openapi/refuses.decorator';
import { streamedContent } from '../http/openapi/streamed-answer';
import {
  AnchorKeysView,
  AnchorRunView,
  AuditCorrelationPage,
  AuditReadsPage,
  AuditStreamPage,
  StreamAnchorView,
  StreamVerificationView,
  VerificationSummaryView,
} from './audit-answers.dto';
import { Public, Roles } from '../auth/auth.decorators';
import type { Request, Response } from 'express';
import type { EventEnvelope } from '../event-store/event-envelope';
import { LedgerError } from '../problems/ledger-error';
import { Anchoring } from './anchoring';
import type { PublishedAnchorKey } from './anchor-keys';
import { type AnchorRun, AnchorStore, type StreamAnchor } from './anchor-store';
import { AUDIT_CONFIG, type AuditConfig } from './audit-config';
import { type ExportFormat, negotiate, single, writeExport } from './audit-export';
import { AuditHistory, type HistoryPage } from './audit-history';
import { type AuditRead, AuditReadLog } from './audit-reads';
import {
  ApiCorrelationIdParam,
  AUDIT_DEFAULT_PAGE_SIZE,
  AuditPageQuery,
  AuditReadsQuery,
  CorrelationIdParam,
} from './audit.dto';
import { ChainVerifier, type StreamVerification, type VerificationSummary } from './chain-verifier';
import { type CursorKind, decodeCursor, encodeCursor } from '../queries/cursor';
import { ApiStreamIdParam, StreamIdParam } from '../http/id-param.pipe';

const EXPORTS = {
  ndjson: 'One stored event envelope per line, as hashed',
  csv: 'RFC 4180 rows, a header line first',
};
const EXPORT_DESCRIPTION =
  'JSON is a page; NDJSON and CSV are everything from the cursor on, or a page when limit is given (then X-Next-Cursor names the next one)';

/**
 * The auditors' view: the event store's own record (not read models), its hash chain checked on
 * demand, and anchors. Every call is itself recorded in `audit_reads` before anything is read.
 */
@ApiController('audit', 'auditor')
export class AuditController {
  constructor(
    private readonly history: AuditHistory,
    private readonly verifier: ChainVerifier,
    private readonly anchoring: Anchoring,
    private readonly reads: AuditReadLog,
    private readonly anchors: AnchorStore,
    @Inject(AUDIT_CONFIG) private readonly config: AuditConfig,
  ) {}

  /** The public keys anchors are signed with: anyone may check an anchor, no token needed. */
  @Get('keys')
  @Public()
  @ApiOkResponse({ type: AnchorKeysView })
  keys(): { keys: PublishedAnchorKey[] } {
    return { keys: this.config.anchorKeys.published() };
  }

  @Get('streams/:id')
  @ApiExtraModels(AuditStreamPage)
  @ApiOkResponse({
    description: EXPORT_DESCRIPTION,
    headers: { 'X-Next-Cursor': headerRef('X-Next-Cursor') },
    content: streamedContent(getSchemaPath(AuditStreamPage), EXPORTS),
  })
  @ApiStreamIdParam()
  @Refuses('STREAM_NOT_FOUND', 'STREAM_DELETED', 'NOT_ACCEPTABLE')
  async stream(
    @Param('id', StreamIdParam) streamId: string,
    @Query() query: AuditPageQuery,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const format = negotiate(request);
    const from = cursorOf(query.cursor, 'revision');
    await this.reads.record(request, 'read-stream', { streamId, format });
    const notFound = () => new LedgerError('STREAM_NOT_FOUND', `Stream ${streamId} has no events`);
    await this.answer(response, format, query, {
      filename: streamId,
      page: (limit) => this.history.streamPage(streamId, from ?? 0, limit),
      all: () => this.history.streamBatches(streamId, from ?? 0),
      nextCursor: (next) => encodeCursor('revision', next),
      body: (page, nextCursor) => ({ streamId, items: page.items, nextCursor }),
      notFound: from === undefined ? notFound : undefined,
    });
  }

  @Get('streams/:id/verify')
  @ApiOkResponse({ type: StreamVerificationView })
  @ApiStreamIdParam()
  @Refuses('STREAM_NOT_FOUND', 'STREAM_DELETED')
  async verifyStream(
    @Param('id', StreamIdParam) streamId: string,
    @Req() request: Request,
  ): Promise<StreamVerification> {
    await this.reads.record(request, 'verify-stream', { streamId });
    const result = await this.verifier.verify(streamId);
    if (!result) {
      throw new LedgerError('STREAM_NOT_FOUND', `Stream ${streamId} has no events`);
    }
    return result;
  }

  /** The stream's latest signed anchor, as stored: what the external verifier checks. */
  @Get('streams/:id/anchor')
  @ApiOkResponse({ type: StreamAnchorView })
  @ApiStreamIdParam()
  @Refuses('ANCHOR_NOT_FOUND')
  async streamAnchor(
    @Param('id', StreamIdParam) streamId: string,
    @Req() request: Request,
  ): Promise<Omit<StreamAnchor, '_id'>> {
    await this.reads.record(request, 'read-anchor', { streamId });
    const anchor = await this.anchors.latest(streamId);
    if (!anchor) {
      throw new LedgerError('ANCHOR_NOT_FOUND', `Stream ${streamId} has no anchor yet`);
    }
    const { _id, ...published } = anchor;
    return published;
  }

  @Get('correlations/:id')
  @ApiExtraModels(AuditCorrelationPage)
  @ApiOkResponse({
    description: EXPORT_DESCRIPTION,
    headers: { 'X-Next-Cursor': headerRef('X-Next-Cursor') },
    content: streamedContent(getSchemaPath(AuditCorrelationPage), EXPORTS),
  })
  @ApiCorrelationIdParam()
  @Refuses('CORRELATION_NOT_FOUND', 'INVALID_POSITION', 'NOT_ACCEPTABLE')
  async correlation(
    @Param('id', CorrelationIdParam) correlationId: string,
    @Query() query: AuditPageQuery,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const format = negotiate(request);
    const after = cursorOf(query.cursor, 'position');
    await this.reads.record(request, 'read-correlation', { correlationId, format });
    const notFound = () =>
      new LedgerError('CORRELATION_NOT_FOUND', `No event carries correlation id ${correlationId}`);
    await this.answer(response, format, query, {
      filename: `correlation-${correlationId}`,
      page: (limit) => this.history.correlationPage(correlationId, after ?? 0, limit),
      all: () => this.history.correlationBatches(correlationId, after ?? 0),
      nextCursor: (next) => encodeCursor('position', next),
      body: (page, nextCursor) => ({ correlationId, items: page.items, nextCursor }),
      notFound: after === undefined ? notFound : undefined,
    });
  }

  @Get('verify')
  @ApiOkResponse({ type: VerificationSummaryView })
  async verifyAll(@Req() request: Request): Promise<VerificationSummary> {
    await this.reads.record(request, 'verify-all');
    return this.verifier.verifyAll();
  }

  @Post('anchors')
  @ApiCreatedResponse({ type: AnchorRunView })
  @Roles('auditor', 'admin')
  async anchor(@Req() request: Request): Promise<AnchorRun> {
    await this.reads.record(request, 'record-anchors');
    return this.anchoring.anchorNow('request');
  }

  /** Who read what: the audit of auditing, for admins. */
  @Get('reads')
  @ApiOkResponse({ type: AuditReadsPage })
  @Roles('admin')
  async listReads(
    @Query() query: AuditReadsQuery,
    @Req() request: Request,
  ): Promise<{ items: AuditRead[]; nextCursor: string | null }> {
    const before = cursorOf(query.cursor, 'read');
    await this.reads.record(request, 'list-reads');
    const { items, last } = await this.reads.list(
      { streamId: query.streamId, correlationId: query.correlationId },
      before,
      query.limit ?? AUDIT_DEFAULT_PAGE_SIZE,
    );
    return { items, nextCursor: last === null ? null : encodeCursor('read', last) };
  }

  /**
   * JSON is always a page. NDJSON and CSV are a page when a limit is given (the next cursor in
   * X-Next-Cursor), else everything from the cursor on, streamed.
   */
  private async answer(
    response: Response,
    format: ExportFormat,
    query: AuditPageQuery,
    source: {
      filename: string;
      page: (limit: number) => Promise<HistoryPage>;
      all: () => AsyncGenerator<EventEnvelope[]>;
      nextCursor: (next: number) => string;
      body: (page: HistoryPage, nextCursor: string | null) => object;
      notFound: (() => LedgerError) | undefined;
    },
  ): Promise<void> {
    if (format === 'json' || query.limit !== undefined) {
      const page = await source.page(query.limit ?? AUDIT_DEFAULT_PAGE_SIZE);
      if (page.items.length === 0 && source.notFound) throw source.notFound();
      const nextCursor = page.next === null ? null : source.nextCursor(page.next);
      if (format === 'json') {
        response.status(200).json(source.body(page, nextCursor));
        return;
      }
      await writeExport(response, format, source.filename, single(page.items), nextCursor);
      return;
    }
    const batches = source.all();
    const first = await batches.next();
    if (first.done && source.notFound) throw source.notFound();
    await writeExport(response, format, source.filename, prepend(first, batches));
  }
}

async function* prepend(
  first: IteratorResult<EventEnvelope[]>,
  rest: AsyncGenerator<EventEnvelope[]>,
): AsyncGenerator<EventEnvelope[]> {
  if (!first.done) yield first.value;
  yield* rest;
}

function cursorOf<K extends CursorKind>(cursor: string | undefined, kind: K) {
  return cursor === undefined ? undefined : decodeCursor(cursor, kind);
}
