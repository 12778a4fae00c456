import { applyDecorators, Injectable, type PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { Refuses } from '../http/openapi/refuses.decorator';
import { LedgerError } from '../problems/ledger-error';
import { STREAM_ID_PATTERN, STREAM_ID_RULE } from './dto/event-log.dto';

/** Like IdParam, for whole stream ids such as `account-alice-eur`. */
@Injectable()
export class StreamIdParam implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!STREAM_ID_PATTERN.test(value)) {
      throw new LedgerError('INVALID_ID', `Stream ids are ${STREAM_ID_RULE}`);
    }
    return value;
  }
}

/** Documents a path stream id checked by StreamIdParam. */
export const ApiStreamIdParam = () =>
  applyDecorators(
    ApiParam({
      name: 'id',
      schema: { type: 'string', pattern: STREAM_ID_PATTERN.source },
      description: STREAM_ID_RULE,
    }),
    Refuses('INVALID_ID'),
  );
