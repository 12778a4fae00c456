import { applyDecorators, Injectable, type PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { Refuses } from './openapi/refuses.decorator';
import { ID_PATTERN, ID_RULE } from './dto/identifiers';
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
