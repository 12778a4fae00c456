import { ACCOUNT_STREAM_PREFIX, idFromStream } from '../../src/domain/stream-names';
import type { EventStore } from '../../src/event-store/event-store.port';
import { logPages } from '../../src/history/log-pages';

/** How each account event moves its balance: the sign of its amount. */
const SIGN: Record<string, bigint> = {
  MoneyDeposited: 1n,
  TransferCredited: 1n,
  TransferRefunded: 1n,
  MoneyWithdrawn: -1n,
  TransferDebited: -1n,
};

/**
 * Every account's balance summed from the amounts of its events in exact integers (BigInt), never
 * from the balances the events state, so that a rounded balance anywhere shows up as a difference.
 * `chainBreaks` lists events whose stated balanceAfter is not the exact running sum.
 */
export async function exactFold(store: EventStore) {
  const balances = new Map<string, bigint>();
  const inFlight = new Map<string, bigint>();
  const chainBreaks: string[] = [];
  let external = 0n;
  for await (const events of logPages(store, 0)) {
    for (const event of events) {
      if (!event.streamId.startsWith(ACCOUNT_STREAM_PREFIX)) continue;
      const accountId = idFromStream(event.streamId);
      if (event.type === 'AccountOpened') balances.set(accountId, 0n);
      const sign = SIGN[event.type];
      if (sign === undefined) continue;
      const data = event.data as { amount: number; balanceAfter: number; transferId?: string };
      const balance = balances.get(accountId)! + sign * BigInt(data.amount);
      balances.set(accountId, balance);
      if (BigInt(data.balanceAfter) !== balance) {
        chainBreaks.push(`${event.streamId}@${event.revision}: ${data.balanceAfter} ≠ ${balance}`);
      }
      if (event.type === 'MoneyDeposited') external += BigInt(data.amount);
      if (event.type === 'MoneyWithdrawn') external -= BigInt(data.amount);
      if (event.type === 'TransferDebited') inFlight.set(data.transferId!, BigInt(data.amount));
      if (event.type === 'TransferCredited' || event.type === 'TransferRefunded') {
        inFlight.delete(data.transferId!);
      }
    }
  }
  const sum = (values: Iterable<bigint>) => [...values].reduce((a, b) => a + b, 0n);
  return {
    balances,
    chainBreaks,
    external,
    total: sum(balances.values()),
    inFlight: sum(inFlight.values()),
  };
}
