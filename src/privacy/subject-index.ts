import { createHmac } from 'node:crypto';

/**
 * Names a data subject without revealing it: HMAC-SHA256 of the subject id under a key derived
 * from the master key, 32 hex digits. Stored in the clear in sealed values and read models, so that
 * lookups by owner and erasure find a subject's data without decrypting anything. Only a holder of
 * the index key can tell whose it is, by computing it for a guess.
 */
export class SubjectIndex {
  constructor(private readonly indexKey: Buffer) {}

  of(subjectId: string): string {
    return createHmac('sha256', this.indexKey).update(subjectId, 'utf8').digest('hex').slice(0, 32);
  }
}
