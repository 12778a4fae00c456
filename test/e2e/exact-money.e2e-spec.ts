import { MAX_MINOR_UNITS } from '../../src/domain/money';
import { eventually } from '../support/eventually';
import { httpClient, type HttpClient } from '../../harness/http-client';
import { exactFold } from '../support/exact-fold';
import { eventCount } from '../support/ledger-fold';
import { ledgerForSuite, type RunningLedger } from '../support/ledger-app';
import { STAFF, tokenFor } from '../../harness/tokens';

const MAX = MAX_MINOR_UNITS;

/**
 * Arithmetic at and beyond the largest exact balance, as a hostile client would try it, then an
 * exact (BigInt) fold of every event compared with every read model and the NDJSON export.
 */
describe('exact money over HTTP', () => {
  let ledger: RunningLedger;
  let http: HttpClient;

  ledgerForSuite((started) => {
    ledger = started;
    http = httpClient(ledger.baseUrl);
  });

  async function open(accountId: string, overdraftLimit = 0) {
    const answer = await http.post('/accounts', {
      ownerId: 'o',
      currency: 'EUR',
      accountId,
      overdraftLimit,
    });
    expect(answer.status).toBe(201);
  }

  async function settled(transferId: string) {
    return eventually(async () => {
      const answer = await http.get(`/transfers/${transferId}`);
      expect(['completed', 'failed']).toContain(answer.body.status);
      return answer.body;
    });
  }

  async function transfer(fromAccountId: string, toAccountId: string, amount: number) {
    const accepted = await http.post('/transfers', { fromAccountId, toAccountId, amount });
    expect(accepted.status).toBe(202);
    return settled(accepted.body.transferId);
  }

  async function balanceOf(accountId: string): Promise<number> {
    const head = await ledger.eventStore.headPosition();
    return (await http.get(`/accounts/${accountId}?consistentWith=${head}`)).body.balance;
  }

  /** A refusal: 422 with this code, and not one event written. */
  async function refused(code: string, send: () => Promise<{ status: number; body: any }>) {
    const before = await eventCount(ledger.eventStore);
    const answer = await send();
    expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 422, code });
    expect(answer.body.detail).toEqual(expect.any(String));
    expect(await eventCount(ledger.eventStore)).toBe(before);
  }

  it('refuses a second deposit of the largest amount, then moves single units exactly', async () => {
    await open('x-full');
    await open('x-sink');
    expect((await http.post('/accounts/x-full/deposits', { amount: MAX })).status).toBe(200);
    await refused('AMOUNT_OUT_OF_RANGE', () =>
      http.post('/accounts/x-full/deposits', { amount: MAX }),
    );
    for (let i = 0; i < 4; i++) {
      expect((await http.post('/accounts/x-full/withdrawals', { amount: 1 })).status).toBe(200);
    }
    expect(await balanceOf('x-full')).toBe(MAX - 4);
    for (let i = 0; i < 3; i++) {
      expect((await transfer('x-full', 'x-sink', 1)).status).toBe('completed');
    }
    expect(await balanceOf('x-full')).toBe(MAX - 7);
    expect(await balanceOf('x-sink')).toBe(3);
    await refused('AMOUNT_OUT_OF_RANGE', () =>
      http.post('/accounts/x-full/deposits', { amount: 8 }),
    );
    expect((await http.post('/accounts/x-full/deposits', { amount: 7 })).status).toBe(200);
    expect(await balanceOf('x-full')).toBe(MAX);
  });

  it('refuses every amount and limit beyond the range with 422, writing nothing', async () => {
    await open('x-beyond');
    await http.post('/accounts/x-beyond/deposits', { amount: 10 });
    // As a client would send it: a literal the JSON parser cannot hold exactly.
    const beyond = (field: string) => `{"${field}":9007199254740993}`;
    await refused('AMOUNT_OUT_OF_RANGE', () =>
      http.post('/accounts/x-beyond/deposits', beyond('amount')),
    );
    await refused('AMOUNT_OUT_OF_RANGE', () =>
      http.post('/accounts/x-beyond/withdrawals', beyond('amount')),
    );
    await refused('AMOUNT_OUT_OF_RANGE', () =>
      http.post('/transfers', {
        fromAccountId: 'x-beyond',
        toAccountId: 'x-sink',
        amount: 2 ** 60,
      }),
    );
    await refused('AMOUNT_OUT_OF_RANGE', () =>
      http.post('/accounts', { ownerId: 'o', currency: 'EUR', overdraftLimit: MAX + 1 }),
    );
    await refused('AMOUNT_OUT_OF_RANGE', () =>
      http.call('PUT', '/accounts/x-beyond/overdraft-limit', beyond('overdraftLimit')),
    );
    expect(await balanceOf('x-beyond')).toBe(10);
  });

  it('draws the largest overdraft exactly and not one unit more', async () => {
    await open('x-credit', MAX);
    expect((await http.post('/accounts/x-credit/withdrawals', { amount: MAX })).status).toBe(200);
    expect(await balanceOf('x-credit')).toBe(-MAX);
    await refused('INSUFFICIENT_FUNDS', () =>
      http.post('/accounts/x-credit/withdrawals', { amount: 1 }),
    );
    expect(await transfer('x-credit', 'x-sink', 1)).toMatchObject({
      status: 'failed',
      failureReason: 'INSUFFICIENT_FUNDS',
      refunded: false,
    });
    expect(await balanceOf('x-credit')).toBe(-MAX);
  });

  it('refunds a credit the full destination cannot hold, exactly', async () => {
    await open('x-payer');
    await http.post('/accounts/x-payer/deposits', { amount: 5 });
    expect(await balanceOf('x-full')).toBe(MAX);
    expect(await transfer('x-payer', 'x-full', 1)).toMatchObject({
      status: 'failed',
      failureReason: 'AMOUNT_OUT_OF_RANGE',
      refunded: true,
    });
    expect(await balanceOf('x-payer')).toBe(5);
    expect(await balanceOf('x-full')).toBe(MAX);
  });

  it('lowers a limit below what is drawn: money comes in, none goes out', async () => {
    await open('x-lowered', 100);
    await http.post('/accounts/x-lowered/withdrawals', { amount: 80 });
    const lowered = await http.call('PUT', '/accounts/x-lowered/overdraft-limit', {
      overdraftLimit: 0,
    });
    expect(lowered.status).toBe(200);
    await refused('INSUFFICIENT_FUNDS', () =>
      http.post('/accounts/x-lowered/withdrawals', { amount: 1 }),
    );
    expect((await http.post('/accounts/x-lowered/deposits', { amount: 80 })).status).toBe(200);
    expect(await balanceOf('x-lowered')).toBe(0);
  });

  it('describes the same range in the OpenAPI description', async () => {
    const { schemas } = (await http.get('/docs/openapi.json')).body.components;
    const range = (schema: string, field: string) => {
      const { minimum, maximum, type } = schemas[schema].properties[field];
      return { minimum, maximum, type };
    };
    const amount = { type: 'integer', minimum: 1, maximum: MAX };
    expect(range('MoneyMovementDto', 'amount')).toEqual(amount);
    expect(range('RequestTransferDto', 'amount')).toEqual(amount);
    const limit = { type: 'integer', minimum: 0, maximum: MAX };
    expect(range('OpenAccountDto', 'overdraftLimit')).toEqual(limit);
    expect(range('OverdraftLimitDto', 'overdraftLimit')).toEqual(limit);
  });

  it('folds every event exactly to what the read models, history and export say', async () => {
    const head = await ledger.eventStore.headPosition();
    const fold = await exactFold(ledger.eventStore);
    expect(fold.chainBreaks).toEqual([]);
    // Money is conserved exactly: balances plus money in flight = deposits - withdrawals.
    expect(fold.total + fold.inFlight).toBe(fold.external);
    expect(fold.inFlight).toBe(0n);

    const listed = await http.get(`/accounts?limit=100&consistentWith=${head}`);
    const history = await http.get('/history/balances?limit=100');
    expect(history.body.asOfPosition).toBe(head);
    for (const [accountId, balance] of fold.balances) {
      const summary = listed.body.items.find(
        (a: { accountId: string }) => a.accountId === accountId,
      );
      expect({ accountId, balance: BigInt(summary.balance) }).toEqual({ accountId, balance });
      const past = history.body.items.find((a: { accountId: string }) => a.accountId === accountId);
      expect({ accountId, balance: BigInt(past.balance) }).toEqual({ accountId, balance });
      const [latest] = (await http.get(`/accounts/${accountId}/transactions?limit=1`)).body.items;
      expect(BigInt(latest?.balanceAfter ?? 0)).toBe(balance);
    }
    expect(listed.body.items).toHaveLength(fold.balances.size);

    // The export, read as text: every number in it is the integer it stands for.
    const exported = await fetch(`${ledger.baseUrl}/events`, {
      headers: {
        accept: 'application/x-ndjson',
        authorization: `Bearer ${await tokenFor(STAFF.subject, ...STAFF.roles)}`,
      },
    });
    const text = await exported.text();
    const numbers = text.match(/(?<=[:[,])-?\d+(?=[,}\]])/g) ?? [];
    expect(numbers.length).toBeGreaterThan(0);
    for (const literal of numbers) expect(BigInt(Number(literal))).toBe(BigInt(literal));
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(await eventCount(ledger.eventStore));
  });
});
