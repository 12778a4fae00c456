import { applyDecorators, Injectable, type PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { Refuses } from './openapi/refuses.decorator';
import { ID_PATTERN, ID_RULE, STREAM_ID_PATTERN, STREAM_ID_RULE } from './dto/identifiers';
import { LedgerError } from '../problems/ledger-error';

/** Path ids are checked before they reach a stream name or a read-store filter. */
@Injectable()
export class IdParam implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!ID_PATTERN.test(value)) {
      throw new LedgerError('INVALID_ID', `Ids are ${ID_RULE}`);
    }
    return value;
  }
}

/** Documents a path id checked by IdParam: its alphabet, and the refusal of any other. */
export const ApiIdParam = (name = 'id') =>
  applyDecorators(
    ApiParam({
      name,
      schema: { type: 'string', pattern: ID_PATTERN.source },
      description: ID_RULE,
    }),
    Refuses('INVALID_ID'),
  );

/** Like IdParam, for whole stream ids such as `account-alice-eur`. */
@Injectable()
export class StreamIdParam implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!STREAM_ID_PATTERN.test(value)) {
      throw new LedgerError('INVALID_STREAM_ID', `Stream ids are ${STREAM_ID_RULE}`);
    }
    return value;
  }
}

/** Documents a path stream id checked by StreamIdParam. */
export const ApiStreamIdParam = (name = 'id') =>
  applyDecorators(
    ApiParam({
      name,
      schema: { type: 'string', pattern: STREAM_ID_PATTERN.source },
      description: STREAM_ID_RULE,
    }),
    Refuses('INVALID_STREAM_ID'),
  );
