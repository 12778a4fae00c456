import { Injectable, type PipeTransform } from '@nestjs/common';
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
