import { LedgerMetrics } from '../observability/ledger-metrics';
import { AggregateStateCache, type CachedAggregate } from './aggregate-state-cache';

function entry(revision: number, state: unknown = { balance: revision }): CachedAggregate {
  return {
    foldVersion: 1,
    folded: { state, revision, position: revision + 1, eventId: `event-${revision}` },
    snapshotRevision: -1,
  };
}

async function count(metrics: LedgerMetrics, name: string): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  return metric?.values.reduce((sum, value) => sum + value.value, 0) ?? 0;
}

describe('AggregateStateCache', () => {
  it('given more streams than entries allowed, when one more is kept, then the least recently used goes', async () => {
    const metrics = new LedgerMetrics();
    const cache = new AggregateStateCache({ maxEntries: 2, maxBytes: 1 << 20 }, metrics);
    cache.remember('account-a', entry(1));
    cache.remember('account-b', entry(1));
    cache.get('account-a', 1);

    cache.remember('account-c', entry(1));

    expect(cache.get('account-b', 1)).toBeUndefined();
    expect(cache.get('account-a', 1)?.folded.revision).toBe(1);
    expect(cache.get('account-c', 1)?.folded.revision).toBe(1);
    expect(cache.size).toBe(2);
    expect(await count(metrics, 'ledger_state_cache_evictions_total')).toBe(1);
    expect(await count(metrics, 'ledger_state_cache_hits_total')).toBe(3);
    expect(await count(metrics, 'ledger_state_cache_misses_total')).toBe(1);
  });

  it('given a byte bound, when large states are kept, then old ones are evicted to stay under it', async () => {
    const metrics = new LedgerMetrics();
    const maxBytes = 4096;
    const cache = new AggregateStateCache({ maxEntries: 1000, maxBytes }, metrics);
    const large = { transfersInFlight: Array.from({ length: 60 }, (_, i) => `transfer-${i}`) };

    for (let i = 0; i < 10; i++) cache.remember(`account-${i}`, entry(i, large));

    expect(cache.bytes).toBeLessThanOrEqual(maxBytes);
    expect(cache.size).toBeGreaterThan(0);
    expect(cache.size).toBeLessThan(10);
    expect(cache.get('account-0', 1)).toBeUndefined();
    expect(cache.get('account-9', 1)?.folded.state).toEqual(large);
    expect(await count(metrics, 'ledger_state_cache_evictions_total')).toBe(10 - cache.size);
  });

  it('given a state of another fold version, when it is asked for, then it is a miss', async () => {
    const metrics = new LedgerMetrics();
    const cache = new AggregateStateCache({ maxEntries: 10, maxBytes: 1 << 20 }, metrics);
    cache.remember('account-a', entry(3));

    expect(cache.get('account-a', 2)).toBeUndefined();
    expect(await count(metrics, 'ledger_state_cache_misses_total')).toBe(1);
  });

  it('given a later state, when an earlier one finishes loading, then the later one stays', () => {
    const cache = new AggregateStateCache({ maxEntries: 10, maxBytes: 1 << 20 });
    cache.remember('account-a', entry(7));

    cache.remember('account-a', entry(5));

    expect(cache.get('account-a', 1)?.folded.revision).toBe(7);
  });
});
