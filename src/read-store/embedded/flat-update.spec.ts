import { update } from 'mingo/updater';
import type { ReadDocument, UpdateDocument } from '../read-store.port';
import { applyFlatUpdate } from './flat-update';

function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const NUMBERS = [0, 1, 5, -3, 2.5];
const VALUES: unknown[] = [...NUMBERS, 'a', '', true, null, [1], { n: 1 }];
const FIELDS = ['position', 'updatedAt', 'count'];
/** Fields the quick path leaves to mingo: named now and then, so both paths are exercised. */
const DECLINED = ['offsets.0', '_id'];

describe('applyFlatUpdate', () => {
  it('leaves a document as mingo does whenever it applies, over 5,000 random updates', () => {
    const next = random(7);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
    let applied = 0;
    let raised = 0;
    for (let i = 0; i < 5000; i++) {
      const document: ReadDocument = { _id: 'c' };
      for (const field of FIELDS) {
        if (next() < 0.7) document[field] = next() < 0.6 ? pick(NUMBERS) : pick(VALUES);
      }
      const change: UpdateDocument = {};
      for (const operator of ['$set', '$max'] as const) {
        if (next() < 0.3) continue;
        const fields: Record<string, unknown> = {};
        for (const field of FIELDS) {
          if (next() < 0.4) fields[field] = next() < 0.7 ? pick(NUMBERS) : pick(VALUES);
        }
        for (const field of DECLINED) if (next() < 0.05) fields[field] = pick(NUMBERS);
        change[operator] = fields;
      }
      const quick = structuredClone(document);
      if (!applyFlatUpdate(quick, change)) {
        expect(quick).toEqual(document);
        continue;
      }
      applied++;
      if (JSON.stringify(quick) !== JSON.stringify(document) && change.$max) raised++;
      const viaMingo = structuredClone(document);
      update(viaMingo, change as Parameters<typeof update>[1]);
      expect({ document, change, after: quick }).toEqual({ document, change, after: viaMingo });
    }
    expect(applied).toBeGreaterThan(1000);
    expect(raised).toBeGreaterThan(300);
  });

  it("raises a checkpoint's position and stamps its time", () => {
    const checkpoint: ReadDocument = { _id: 'c', position: 5, updatedAt: 'then' };
    expect(applyFlatUpdate(checkpoint, { $max: { position: 9 }, $set: { updatedAt: 'now' } })).toBe(
      true,
    );
    expect(checkpoint).toEqual({ _id: 'c', position: 9, updatedAt: 'now' });
    applyFlatUpdate(checkpoint, { $max: { position: 3 } });
    expect(checkpoint.position).toBe(9);
  });

  it('leaves paths, _id, conflicts and $max across types to mingo, untouched', () => {
    const document: ReadDocument = { _id: 'c', position: 'x' };
    for (const change of [
      { $max: { 'offsets.0': 1 } },
      { $set: { _id: 'd' } },
      { $set: { position: 1 }, $max: { position: 2 } },
      { $max: { position: 2 } },
      { $setOnInsert: { a: 1 } },
    ]) {
      expect(applyFlatUpdate(document, change)).toBe(false);
      expect(document).toEqual({ _id: 'c', position: 'x' });
    }
  });
});
