import type { EventEnvelope } from '../event-envelope';
import { SharedPageRead } from './shared-page-read';

const at = (position: number) => ({ position }) as EventEnvelope;

describe('SharedPageRead', () => {
  let log: EventEnvelope[];
  let reads: number;
  let pages: SharedPageRead;

  beforeEach(() => {
    log = [at(1), at(2), at(3)];
    reads = 0;
    pages = new SharedPageRead((after, limit) => {
      reads++;
      return log.filter((event) => event.position > after).slice(0, limit);
    });
  });

  it('reads a page once for every subscription that asks for it', () => {
    const first = pages.read(0, 10);
    const second = pages.read(0, 10);
    expect(reads).toBe(1);
    expect(second).toEqual(first);
    // Each gets an array of its own.
    expect(second).not.toBe(first);
  });

  it('reads again for another page or another size', () => {
    pages.read(0, 10);
    pages.read(1, 10);
    pages.read(1, 2);
    expect(reads).toBe(3);
  });

  it('always reads when the last page was empty, so no event that landed since is slept past', () => {
    expect(pages.read(3, 10)).toEqual([]);
    log.push(at(4));
    expect(pages.read(3, 10)).toEqual([at(4)]);
    expect(reads).toBe(2);
  });
});
