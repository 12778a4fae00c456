import { ACCOUNT_STREAM_PREFIX, idFromStream } from '../../src/domain/stream-names';
import type { EventStore } from '../../src/event-store/event-store.port';
import { logPages } from '../../src/history/log-pages';

/**
 * Balances and money in flight computed straight from the event log, independently of the
 * projections, for tests to compare read models against.
 */
export async function foldLedger(store: EventStore) {
  const balances = new Map<string, number>();
  const inFlight = new Map<string, number>();
  let external = 0;
  for await (const events of logPages(store, 0)) {
    for (const event of events) {
      const data = event.data as { amount?: number; balanceAfter?: number; transferId?: string };
      if (event.streamId.startsWith(ACCOUNT_STREAM_PREFIX) && data.balanceAfter !== undefined) {
        balances.set(idFromStream(event.streamId), data.balanceAfter);
      }
      if (event.type === 'MoneyDeposited') external += data.amount!;
      if (event.type === 'MoneyWithdrawn') external -= data.amount!;
      if (event.type === 'TransferDebited') inFlight.set(data.transferId!, data.amount!);
      if (event.type === 'TransferCredited' || event.type === 'TransferRefunded') {
        inFlight.delete(data.transferId!);
      }
    }
  }
  const total = [...balances.values()].reduce((sum, balance) => sum + balance, 0);
  const moving = [...inFlight.values()].reduce((sum, amount) => sum + amount, 0);
  return { balances, external, total, inFlight: moving };
}

export async function eventCount(store: EventStore): Promise<number> {
  let count = 0;
  for await (const events of logPages(store, 0, { pageSize: 5000 })) count += events.length;
  return count;
}
