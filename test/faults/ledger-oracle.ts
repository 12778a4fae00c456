import { ACCOUNT_STREAM_PREFIX } from '../../src/domain/stream-names';
import type { EventEnvelope } from '../../src/event-store/event-envelope';
import type { EventStore } from '../../src/event-store/event-store.port';
import type { HttpClient } from '../../harness/http-client';
import { foldLedger } from '../support/ledger-fold';
import { wholeLog } from '../support/whole-log';

/** A deposit sent by a fault test: its reference is unique, so its event can be found. */
export interface SentDeposit {
  accountId: string;
  amount: number;
  reference: string;
  status?: number;
  body?: any;
}

/** Sends `sent` as a deposit keyed by its reference (Idempotency-Key); keeps the answer in it. */
export async function sendDeposit(http: HttpClient, sent: SentDeposit): Promise<SentDeposit> {
  const answer = await http.post(
    `/accounts/${sent.accountId}/deposits`,
    { amount: sent.amount, reference: sent.reference },
    { 'Idempotency-Key': sent.reference },
  );
  sent.status = answer.status;
  sent.body = answer.body;
  return sent;
}

export function referencesIn(events: EventEnvelope[]): string[] {
  return events
    .filter((event) => event.type === 'MoneyDeposited')
    .map((event) => (event.data as { reference?: string }).reference ?? '');
}

/** Deposits answered as failed whose event is in the log anyway: must be none. */
export function committedButRefused(sent: SentDeposit[], events: EventEnvelope[]): string[] {
  const stored = new Set(referencesIn(events));
  return sent
    .filter((deposit) => deposit.status !== undefined && deposit.status >= 300)
    .filter((deposit) => stored.has(deposit.reference))
    .map((deposit) => `${deposit.reference} answered ${deposit.status}`);
}

/**
 * The closing check of every fault test: each acknowledged deposit is stored exactly once, at the
 * position it was answered with; money is conserved; the read models equal the fold of the log.
 */
export async function expectLedgerConsistent(
  http: HttpClient,
  store: EventStore,
  acknowledged: SentDeposit[],
  accounts: string[],
): Promise<void> {
  const events = await wholeLog(store);
  const references = referencesIn(events);
  const byPosition = new Map(events.map((event) => [event.position, event]));
  for (const deposit of acknowledged) {
    expect({
      reference: deposit.reference,
      times: references.filter((r) => r === deposit.reference).length,
    }).toEqual({ reference: deposit.reference, times: 1 });
    expect(byPosition.get(deposit.body.position)).toMatchObject({
      streamId: `${ACCOUNT_STREAM_PREFIX}${deposit.accountId}`,
      data: expect.objectContaining({ reference: deposit.reference, amount: deposit.amount }),
    });
  }
  const fold = await foldLedger(store);
  expect(fold.inFlight).toBe(0);
  expect(fold.total).toBe(fold.external);
  const head = await store.headPosition();
  for (const accountId of accounts) {
    const summary = await http.get(`/accounts/${accountId}?consistentWith=${head}`);
    expect(summary.status).toBe(200);
    expect(summary.body.balance).toBe(fold.balances.get(accountId) ?? 0);
  }
}
