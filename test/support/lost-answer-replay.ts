import { randomUUID } from 'node:crypto';
import { RESEND_LOOK_BACK } from '../../src/event-store/eventstoredb/eventstoredb-stream-tails';
import type { AppConfig } from '../../src/config/app-config';
import { removeDataDir, tempDataDir } from '../../harness/data-dir';
import { httpClient, type HttpClient } from '../../harness/http-client';
import { withIdempotencyWritesFailing } from './failing-idempotency-writes';
import { type LedgerWiring, type RunningLedger, startLedger } from './ledger-app';

const LATER_EVENTS = RESEND_LOOK_BACK + 6;

/**
 * An Idempotency-Key command whose first attempt appended but whose answer was lost (the read
 * store refused to store it), replayed once more events than EventStoreDB's re-send window have
 * followed in its stream, while today's state would accept it again: the replay must answer the
 * first outcome and write nothing. Runs the whole app with the embedded read store and the event
 * store `setup` wires in.
 */
export function describeLostAnswerReplay(
  name: string,
  setup: () => { overrides?: Partial<AppConfig>; wiring?: LedgerWiring },
): void {
  describe(name, () => {
    let ledger: RunningLedger;
    let http: HttpClient;

    beforeAll(async () => {
      const { overrides = {}, wiring = {} } = setup();
      ledger = await startLedger(
        tempDataDir(),
        { rateLimit: { perSubject: 1e6, perAddress: 1e6 }, ...overrides },
        wiring,
      );
      http = httpClient(ledger.baseUrl);
    });
    afterAll(async () => {
      await ledger.stop();
      removeDataDir(ledger.dataDir);
    });

    const depositWithKey = (accountId: string, amount: number, key: string) =>
      http.post(
        `/accounts/${accountId}/deposits`,
        { amount, reference: key },
        { 'Idempotency-Key': key },
      );

    async function metric(name: string): Promise<number> {
      const text = await (await fetch(`${ledger.baseUrl}/metrics`)).text();
      return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
    }

    /** Answers are stored by replacing the pending record: refusing updates loses them. */
    const withAnswersLost = <T>(work: () => Promise<T>): Promise<T> =>
      withIdempotencyWritesFailing(ledger.dataDir, 'UPDATE', work);

    it('answers the first outcome and writes nothing when replayed behind more events than the window', async () => {
      const accountId = `lost-${randomUUID()}`;
      const opened = await http.post('/accounts', {
        ownerId: 'replayer',
        currency: 'EUR',
        accountId,
      });
      expect(opened.status).toBe(201);
      // Creates the table the answers are stored in.
      expect((await depositWithKey(accountId, 1, `${accountId}-warm-up`)).status).toBe(200);

      const saveFailures = await metric('ledger_idempotency_save_failures_total');
      const first = await withAnswersLost(() => depositWithKey(accountId, 500, `${accountId}-k`));
      expect(first.status).toBe(200);
      expect(await metric('ledger_idempotency_save_failures_total')).toBe(saveFailures + 1);

      for (let i = 0; i < LATER_EVENTS; i++) {
        const later = await http.post(`/accounts/${accountId}/deposits`, { amount: 2 });
        expect(later.status).toBe(200);
      }

      const replay = await depositWithKey(accountId, 500, `${accountId}-k`);
      expect(replay.status).toBe(200);
      expect(replay.body).toEqual(first.body);
      expect(replay.headers.get('etag')).toBe(first.headers.get('etag'));
      // Rebuilt from the events, then stored: the next replay is answered from the record.
      expect(replay.headers.get('idempotent-replayed')).toBeNull();
      const again = await depositWithKey(accountId, 500, `${accountId}-k`);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);

      const stream = await ledger.eventStore.readStream(`account-${accountId}`);
      expect(stream).toHaveLength(1 + 1 + 1 + LATER_EVENTS);
      const deposited = stream
        .filter((event) => event.type === 'MoneyDeposited')
        .map((event) => (event.data as { amount: number }).amount);
      expect(deposited).toEqual([1, 500, ...Array(LATER_EVENTS).fill(2)]);
    });
  });
}
