import { createHmac } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** Subjects whose index is kept: the tellers and owners of the moment, many times over. */
const REMEMBERED_SUBJECTS = 10_000;

/**
 * Names a data subject without revealing it: HMAC-SHA256 of the subject id under a key derived
 * from the master key, 32 hex digits. Stored in the clear in sealed values and read models, so that
 * lookups by owner and erasure find a subject's data without decrypting anything. Only a holder of
 * the index key can tell whose it is, by computing it for a guess.
 *
 * A command asks for its actor's index twice (to authorize, to seal), and the same actors send
 * most commands: recent answers are kept, in memory only, where the subject ids are anyway.
 */
export class SubjectIndex {
  private readonly remembered = new LRUCache<string, string>({ max: REMEMBERED_SUBJECTS });

  constructor(private readonly indexKey: Buffer) {}

  of(subjectId: string): string {
    let index = this.remembered.get(subjectId);
    if (index === undefined) {
      index = createHmac('sha256', this.indexKey)
        .update(subjectId, 'utf8')
        .digest('hex')
        .slice(0, 32);
      this.remembered.set(subjectId, index);
    }
    return index;
  }
}
