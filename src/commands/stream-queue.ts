/**
 * Runs the commands of one stream one after another within this process, in the order they came.
 * Optimistic concurrency stays the guard between processes; inside one, racing commands on a hot
 * account would otherwise each decide on the same state, all but one lose the append, and retry
 * with back-off until some ran out of attempts (50 withdrawals on one account did, on a loaded
 * machine). In turn, each decides on the state the one before it left in the cache.
 */
export class StreamQueue {
  /** Per stream, the settled end of its queue; removed once nothing more is queued behind it. */
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(streamId: string, task: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(streamId) ?? Promise.resolve()).then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(streamId, tail);
    void tail.then(() => {
      if (this.tails.get(streamId) === tail) this.tails.delete(streamId);
    });
    return result;
  }

  /** Streams with a command running or queued: how far the map has grown. */
  get size(): number {
    return this.tails.size;
  }
}
