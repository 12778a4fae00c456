import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { streamedContent } from '../http/openapi/streamed-answer';
import { Refuses } from '../http/openapi/refuses.decorator';
import { EventPage, StreamEventsPage } from './dto/event-answers.dto';
import type { Request, Response } from 'express';
import { Roles } from '../auth/auth.decorators';
import { EventLogQuery, StreamEventsQuery } from './dto/event-log.dto';
import { DEFAULT_PAGE_SIZE } from './dto/history-page.dto';
import { toEpochMs } from './dto/validators';
import type { EventSelection } from './event-selection';
import { EventLog } from './event-log';
import { NDJSON, writeNdjson } from './ndjson';
import { ApiStreamIdParam, StreamIdParam } from '../http/id-param.pipe';

@ApiTags('analytics')
@ApiBearerAuth()
// Read-only history of every account: for analysts and auditors, never for account holders.
@Roles('analyst', 'auditor')
@Controller()
export class EventLogController {
  constructor(private readonly log: EventLog) {}

  /**
   * The global history, filtered. JSON answers one page `{ items, nextCursor }`; a page may hold
   * fewer than `limit` items while `nextCursor` is set (each request scans a bounded part of the
   * log), so read on until it is null. With `Accept: application/x-ndjson` the whole selection is
   * streamed, one event a line.
   */
  @Get('events')
  @ApiExtraModels(EventPage)
  @Refuses('INVALID_POSITION')
  @ApiOkResponse({
    description: 'A page, or with Accept: application/x-ndjson the whole selection streamed',
    content: streamedContent(getSchemaPath(EventPage), { ndjson: 'One EventView per line' }),
  })
  @ApiHeader({ name: 'Accept', required: false, description: `${NDJSON} streams everything` })
  async events(
    @Query() query: EventLogQuery,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const selection = selectionOf(query);
    if (request.accepts(['application/json', NDJSON]) === NDJSON) {
      const pages = await this.log.export(selection, query.cursor);
      await writeNdjson(response, pages, query.limit);
      return;
    }
    response.json(await this.log.page(selection, query.limit ?? DEFAULT_PAGE_SIZE, query.cursor));
  }

  /** One stream's events, forwards or backwards from a revision: `{ items, nextFromRevision }`. */
  @Get('streams/:id/events')
  @ApiOkResponse({ type: StreamEventsPage })
  @ApiStreamIdParam()
  @Refuses('STREAM_NOT_FOUND', 'STREAM_DELETED')
  streamEvents(@Param('id', StreamIdParam) streamId: string, @Query() query: StreamEventsQuery) {
    return this.log.stream(
      streamId,
      query.direction ?? 'forwards',
      query.fromRevision,
      query.limit ?? DEFAULT_PAGE_SIZE,
    );
  }
}

function selectionOf(query: EventLogQuery): EventSelection {
  return {
    fromPosition: query.fromPosition,
    toPosition: query.toPosition,
    from: query.from === undefined ? undefined : toEpochMs(query.from),
    to: query.to === undefined ? undefined : toEpochMs(query.to),
    types: query.types,
    streamPrefix: query.streamPrefix,
  };
}
