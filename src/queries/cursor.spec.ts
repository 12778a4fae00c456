import { decodeCursor, encodeCursor } from './cursor';
import { InvalidCursorError } from './query.errors';

describe('cursors', () => {
  it('give back what they were made with', () => {
    expect(decodeCursor(encodeCursor('position', 42), 'position')).toBe(42);
    expect(decodeCursor(encodeCursor('revision', 0), 'revision')).toBe(0);
    expect(decodeCursor(encodeCursor('id', 'alice-eur'), 'id')).toBe('alice-eur');
  });

  it.each([
    ['another listing’s cursor', encodeCursor('id', 'x'), 'position'],
    ['a negative position', encodeCursor('position', -1), 'position'],
    ['a fractional revision', Buffer.from('{"revision":1.5}').toString('base64url'), 'revision'],
    ['a number where an id belongs', Buffer.from('{"id":7}').toString('base64url'), 'id'],
    ['no JSON at all', 'not-a-cursor', 'id'],
    ['JSON null', Buffer.from('null').toString('base64url'), 'read'],
  ] as const)('refuse %s', (_, cursor, kind) => {
    expect(() => decodeCursor(cursor, kind)).toThrow(InvalidCursorError);
  });
});
