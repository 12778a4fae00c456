import { Query } from 'mingo';
import { flatFilterTest } from './flat-filter';

/** A small seeded generator, so that a failing case can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const VALUES: unknown[] = [0, 1, 2, -1, 2.5, 'a', 'b', '', true, false, null, [1, 2], ['a'], {}];
const FIELDS = ['_id', 'revision', 'status', 'amount'];
const COMPARISONS = ['$eq', '$ne', '$lt', '$lte', '$gt', '$gte'];

describe('flatFilterTest', () => {
  it('answers as mingo does whenever it answers, over 20,000 random filters and documents', () => {
    const next = random(42);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
    let answered = 0;
    for (let i = 0; i < 20_000; i++) {
      const document: Record<string, unknown> = { _id: pick(['x', 'y']) };
      for (const field of FIELDS.slice(1)) if (next() < 0.8) document[field] = pick(VALUES);
      const filter: Record<string, unknown> = {};
      for (const field of FIELDS) {
        if (next() < 0.5) continue;
        filter[field] = next() < 0.4 ? pick(VALUES) : { [pick(COMPARISONS)]: pick(VALUES) };
      }
      const test = flatFilterTest(filter);
      if (!test) continue;
      const quick = test(document);
      if (quick === undefined) continue;
      answered++;
      expect({ filter, document, matches: quick }).toEqual({
        filter,
        document,
        matches: new Query(filter).test(document),
      });
    }
    // The comparison above must have been made often enough to mean something.
    expect(answered).toBeGreaterThan(1000);
  });

  it("answers a projection's revision guard without mingo", () => {
    const test = flatFilterTest({ _id: 'acc-1', revision: { $lt: 7 } })!;
    expect(test({ _id: 'acc-1', revision: 6 })).toBe(true);
    expect(test({ _id: 'acc-1', revision: 7 })).toBe(false);
    expect(test({ _id: 'acc-2', revision: 6 })).toBe(false);
  });

  it('leaves arrays, missing fields and other types to mingo', () => {
    const test = flatFilterTest({ tags: 'a', revision: { $gt: 1 } })!;
    expect(test({ _id: 'x', tags: ['a'], revision: 2 })).toBeUndefined();
    expect(test({ _id: 'x', revision: 2 })).toBeUndefined();
    expect(test({ _id: 'x', tags: 'a', revision: '2' })).toBeUndefined();
  });

  it('declines paths, logical operators, string ranges and operands it cannot compare', () => {
    expect(flatFilterTest({ 'owner.id': 'x' })).toBeUndefined();
    expect(flatFilterTest({ $or: [{ a: 1 }] })).toBeUndefined();
    expect(flatFilterTest({ name: { $lt: 'm' } })).toBeUndefined();
    expect(flatFilterTest({ a: { $in: [1] } })).toBeUndefined();
    expect(flatFilterTest({ a: null })).toBeUndefined();
    expect(flatFilterTest({ a: { $eq: [1] } })).toBeUndefined();
    expect(flatFilterTest({ a: {} })).toBeUndefined();
    expect(flatFilterTest({ a: /x/ })).toBeUndefined();
  });
});
