import { Injectable, type PipeTransform } from '@nestjs/common';
import { ID_PATTERN, ID_RULE } from './dto/identifiers';
import { ProblemError } from './problem';

/** Path ids are checked before they reach a stream name or a read-store filter. */
@Injectable()
export class IdParam implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!ID_PATTERN.test(value)) {
      throw new ProblemError(400, 'INVALID_ID', `Ids are ${ID_RULE}`);
    }
    return value;
  }
}
