import { StreamQueue } from './stream-queue';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('StreamQueue', () => {
  it("runs one stream's tasks one at a time, in the order they came", async () => {
    const queue = new StreamQueue();
    const log: string[] = [];
    let running = 0;
    const task = (name: string) => async () => {
      running++;
      expect(running).toBe(1);
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all(['a', 'b', 'c'].map((name) => queue.run('s', task(name))));
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('runs different streams side by side', async () => {
    const queue = new StreamQueue();
    let running = 0;
    let most = 0;
    const task = async () => {
      most = Math.max(most, ++running);
      await tick();
      running--;
    };
    await Promise.all([queue.run('s1', task), queue.run('s2', task), queue.run('s3', task)]);
    expect(most).toBe(3);
  });

  it('goes on after a task that failed, which fails alone, and forgets idle streams', async () => {
    const queue = new StreamQueue();
    const failed = queue.run('s', async () => {
      throw new Error('refused');
    });
    const next = queue.run('s', async () => 'ran');
    await expect(failed).rejects.toThrow('refused');
    await expect(next).resolves.toBe('ran');
    await tick();
    expect(queue.size).toBe(0);
  });
});
