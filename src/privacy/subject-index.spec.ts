import { createHmac } from 'node:crypto';
import { SubjectIndex } from './subject-index';

const KEY = Buffer.alloc(32, 7);

function computed(subject: string): string {
  return createHmac('sha256', KEY).update(subject, 'utf8').digest('hex').slice(0, 32);
}

describe('SubjectIndex', () => {
  it('answers from memory what it computed the first time, subject by subject', () => {
    const index = new SubjectIndex(KEY);
    const first = ['teller-1', 'owner-9', 'teller-1'].map((subject) => index.of(subject));
    expect(first).toEqual([computed('teller-1'), computed('owner-9'), computed('teller-1')]);
    expect(index.of('owner-9')).toBe(computed('owner-9'));
    expect(new SubjectIndex(Buffer.alloc(32, 8)).of('teller-1')).not.toBe(computed('teller-1'));
  });
});
