import { type LedgerProcess, startLedgerProcess } from '../../harness/ledger-process';
import { ownSecretProcess } from '../../harness/own-secret-process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ACCOUNT_STREAM_PREFIX, TRANSFER_STREAM_PREFIX } from '../../src/domain/stream-names';
import type { EventEnvelope } from '../../src/event-store/event-envelope';
import type { EventStore } from '../../src/event-store/event-store.port';
import { SqliteReadStore } from '../../src/read-store/embedded/sqlite-read-store';
import { eventually } from '../support/eventually';
import { openedEmbeddedStore } from '../support/opened-embedded-store';
import { foldLedger } from '../support/ledger-fold';
import { wholeLog } from '../support/whole-log';

/**
 * Crash safety with a real crash: the app runs as `npm start` runs it, in a child process, and is
 * SIGKILLed at a random moment while several clients send deposits, withdrawals and transfers.
 * Each restart on the same data folder must keep every acknowledged command exactly once, finish
 * or fail every transfer, and rebuild read models that agree with the event log.
 */

const CYCLES = 3;
const ACCOUNTS = Array.from({ length: 8 }, (_, i) => `crash-${i}`);
const CLIENTS = 6;
const REQUEST_TIMEOUT_MS = 10_000;
/** Traffic runs this long (uniformly random) before the kill. */
const KILL_AFTER_MS = { min: 400, max: 2000 };
const MOVEMENTS = ['MoneyDeposited', 'MoneyWithdrawn', 'TransferRequested'];
const TERMINAL_TRANSFER_EVENTS = ['TransferCompleted', 'TransferFailed'];
const PROCESS_MANAGER = 'transfer-process-manager';

/** The child checks tokens with a secret of this run's own; rate limits do not shape the traffic. */
const { env: APP_ENV, authorization: AUTHORIZATION } = ownSecretProcess('crash-recovery-test');

type Kind = 'deposit' | 'withdrawal' | 'transfer';

interface SentCommand {
  key: string;
  kind: Kind;
  path: string;
  body: { amount: number; reference: string; fromAccountId?: string; toAccountId?: string };
  accountId: string;
  /** Undefined while no answer came back (the request died with the process). */
  status?: number;
  answer?: any;
}

async function startApp(dataDir: string): Promise<LedgerProcess> {
  return startLedgerProcess({ ...APP_ENV, DATA_DIR: dataDir }, 60_000);
}

/** SIGKILL: the process gets no chance to flush or close anything. */
async function killApp(app: LedgerProcess): Promise<void> {
  expect(await app.kill('SIGKILL')).toBeNull();
}

async function stopApp(app: LedgerProcess): Promise<void> {
  await app.kill('SIGTERM');
}

/**
 * A data folder of its own for the describe block, handed to `use`; after the block the process
 * `running` names, if any, is stopped and the folder removed.
 */
function dataDirForSuite(use: (dir: string) => void, running: () => LedgerProcess | undefined) {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ledgerline-crash-'));
    use(dataDir);
  });
  afterAll(async () => {
    const app = running();
    if (app) await stopApp(app);
    rmSync(dataDir, { recursive: true, force: true });
  });
}

async function call(
  baseUrl: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: AUTHORIZATION,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? JSON.parse(text) : undefined,
    headers: response.headers,
  };
}

/**
 * Opens the event store file in this process (personal fields opened with the folder's keys),
 * reads what it needs, and closes it again.
 */
async function withEventStore<T>(
  dataDir: string,
  read: (store: EventStore) => Promise<T>,
): Promise<T> {
  const store = openedEmbeddedStore(dataDir);
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

function byStream(events: EventEnvelope[]): Map<string, EventEnvelope[]> {
  const streams = new Map<string, EventEnvelope[]>();
  for (const event of events) {
    const stream = streams.get(event.streamId) ?? [];
    stream.push(event);
    streams.set(event.streamId, stream);
  }
  return streams;
}

const random = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));
const pick = <T>(items: readonly T[]) => items[random(0, items.length - 1)];

function nextCommand(key: string): SentCommand {
  const roll = Math.random();
  const accountId = pick(ACCOUNTS);
  // Balances stay low, so that withdrawals and transfers are refused now and then, too.
  if (roll < 0.45) {
    const body = { amount: random(1, 60), reference: key };
    return { key, kind: 'deposit', path: `/accounts/${accountId}/deposits`, body, accountId };
  }
  if (roll < 0.65) {
    const body = { amount: random(1, 120), reference: key };
    return { key, kind: 'withdrawal', path: `/accounts/${accountId}/withdrawals`, body, accountId };
  }
  const body = { amount: random(1, 200), reference: key };
  const toAccountId = pick(ACCOUNTS.filter((id) => id !== accountId));
  return {
    key,
    kind: 'transfer',
    path: '/transfers',
    body: { fromAccountId: accountId, toAccountId, ...body },
    accountId,
  };
}

/** Expected answers: withdrawals may be refused for want of funds; anything else is a failure. */
function acceptable(command: SentCommand, status: number): boolean {
  if (command.kind === 'deposit') return status === 200;
  if (command.kind === 'withdrawal') return status === 200 || status === 422;
  return status === 202;
}

function send(baseUrl: string, command: SentCommand) {
  return call(baseUrl, 'POST', command.path, command.body, { 'Idempotency-Key': command.key });
}

/** Several clients send commands until the app is killed under them; returns all that were sent. */
async function trafficUntilKilled(app: LedgerProcess, cycle: number, killAfterMs: number) {
  const sent: SentCommand[] = [];
  let killed = false;
  async function client(clientNo: number): Promise<void> {
    for (let n = 0; !killed; n++) {
      const command = nextCommand(`c${cycle}-w${clientNo}-${n}`);
      sent.push(command);
      try {
        const answer = await send(app.url, command);
        command.status = answer.status;
        command.answer = answer.body;
      } catch {
        // Connection reset or refused: the process is gone; the outcome is unknown.
      }
    }
  }
  const clients = Array.from({ length: CLIENTS }, (_, i) => client(i));
  await sleep(killAfterMs);
  killed = true;
  await killApp(app);
  await Promise.all(clients);
  return sent;
}

/** The event that an acknowledged command's answer points at, checked field by field. */
function expectAcknowledgedEvent(command: SentCommand, byPosition: Map<number, EventEnvelope>) {
  const event = byPosition.get(command.answer.position);
  const context = `${command.kind} ${command.key} answered ${JSON.stringify(command.answer)}`;
  if (!event) throw new Error(`Lost after the kill: ${context}`);
  const expected =
    command.kind === 'transfer'
      ? {
          streamId: `${TRANSFER_STREAM_PREFIX}${command.answer.transferId}`,
          type: 'TransferRequested',
          data: expect.objectContaining({
            amount: command.body.amount,
            reference: command.key,
            fromAccountId: command.body.fromAccountId,
            toAccountId: command.body.toAccountId,
          }),
        }
      : {
          streamId: `${ACCOUNT_STREAM_PREFIX}${command.accountId}`,
          type: command.kind === 'deposit' ? 'MoneyDeposited' : 'MoneyWithdrawn',
          data: expect.objectContaining({ amount: command.body.amount, reference: command.key }),
        };
  expect({ context, ...event }).toMatchObject({
    context,
    ...expected,
    revision: command.answer.revision,
  });
}

/** Every stream is gapless, and no command's money movement was written twice. */
function expectLogWellFormed(events: EventEnvelope[]) {
  for (const [streamId, stream] of byStream(events)) {
    expect({ streamId, revisions: stream.map((e) => e.revision) }).toEqual({
      streamId,
      revisions: stream.map((_, i) => i),
    });
  }
  const references = events
    .filter((e) => MOVEMENTS.includes(e.type))
    .map((e) => (e.data as { reference?: string }).reference)
    .filter((reference) => reference !== undefined);
  expect(duplicates(references)).toEqual([]);
  expect(duplicates(events.map((e) => `${e.streamId} ${e.metadata.commandId} ${e.type}`))).toEqual(
    [],
  );
}

function duplicates(values: string[]): string[] {
  const seen = new Set<string>();
  return values.filter((value) => seen.size === seen.add(value).size);
}

async function allTransactions(baseUrl: string, accountId: string, head: number) {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const page = await call(
      baseUrl,
      'GET',
      `/accounts/${accountId}/transactions?limit=100&consistentWith=${head}${query}`,
    );
    expect(page.status).toBe(200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor !== null);
  return items;
}

async function openAccount(baseUrl: string, accountId: string, balance: number): Promise<void> {
  const opened = await call(baseUrl, 'POST', '/accounts', {
    ownerId: 'crash',
    currency: 'EUR',
    accountId,
  });
  expect(opened.status).toBe(201);
  if (balance > 0) {
    const deposit = await call(baseUrl, 'POST', `/accounts/${accountId}/deposits`, {
      amount: balance,
    });
    expect(deposit.status).toBe(200);
  }
}

/** Transfers whose stream does not end in completed or failed, with the steps they took. */
function unfinishedTransfers(events: EventEnvelope[]): string[] {
  return [...byStream(events)]
    .filter(([streamId]) => streamId.startsWith(TRANSFER_STREAM_PREFIX))
    .filter(([, stream]) => !TERMINAL_TRANSFER_EVENTS.includes(stream.at(-1)!.type))
    .map(([streamId, stream]) => `${streamId}: ${stream.map((e) => e.type).join(' > ')}`);
}

describe('crash recovery of a SIGKILLed process', () => {
  let dataDir: string;
  let app: LedgerProcess | undefined;
  dataDirForSuite(
    (dir) => (dataDir = dir),
    () => app,
  );

  it('keeps every acknowledged command exactly once and recovers consistent read models', async () => {
    app = await startApp(dataDir);
    for (const accountId of ACCOUNTS) await openAccount(app.url, accountId, 100);
    const acknowledged: SentCommand[] = [];

    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      const killAfterMs = random(KILL_AFTER_MS.min, KILL_AFTER_MS.max);
      const sent = await trafficUntilKilled(app, cycle, killAfterMs);
      const answered = sent.filter((c) => c.status !== undefined);
      const unanswered = sent.filter((c) => c.status === undefined);
      const unexpected = answered.filter((c) => !acceptable(c, c.status!));
      expect(unexpected.map((c) => `${c.kind} ${c.status} ${JSON.stringify(c.answer)}`)).toEqual(
        [],
      );
      const ok = answered.filter((c) => c.status! < 300);
      // The kill must land mid-traffic, with acknowledged commands before it.
      expect(ok.length).toBeGreaterThan(0);

      // With the process dead, the log on disk alone must hold every acknowledged command.
      await withEventStore(dataDir, async (store) => {
        const events = await wholeLog(store);
        const byPosition = new Map(events.map((e) => [e.position, e]));
        for (const command of [...acknowledged, ...ok]) {
          expectAcknowledgedEvent(command, byPosition);
        }
        expectLogWellFormed(events);
      });

      app = await startApp(dataDir);
      const baseUrl = app.url;

      // Commands whose answer was lost are retried under their Idempotency-Key: each must take
      // effect once, whether or not it reached the log before the kill.
      for (const command of unanswered) {
        const answer = await send(baseUrl, command);
        command.status = answer.status;
        command.answer = answer.body;
        expect({ key: command.key, status: answer.status }).toEqual({
          key: command.key,
          status: acceptable(command, answer.status) ? answer.status : 'a 2xx or refusal',
        });
      }
      // Answers given before the kill are replayed unchanged, not applied again.
      for (const command of ok.slice(-10)) {
        const replay = await send(baseUrl, command);
        expect(replay.status).toBe(command.status);
        expect(replay.body).toEqual(command.answer);
      }
      acknowledged.push(...sent.filter((c) => c.status! < 300));

      // Every transfer in the log, acknowledged or not, ends completed or failed: none is stuck.
      await eventually(
        () =>
          withEventStore(dataDir, async (store) =>
            expect(unfinishedTransfers(await wholeLog(store))).toEqual([]),
          ),
        15_000,
      );

      const { fold, events, head } = await withEventStore(dataDir, async (store) => ({
        fold: await foldLedger(store),
        events: await wholeLog(store),
        head: await store.headPosition(),
      }));
      const byPosition = new Map(events.map((e) => [e.position, e]));
      for (const command of acknowledged) expectAcknowledgedEvent(command, byPosition);
      expectLogWellFormed(events);
      // Money is conserved: nothing is left in flight, and balances add up to what came in and out.
      expect(fold.inFlight).toBe(0);
      expect(fold.total).toBe(fold.external);

      // Read models catch up and agree with the fold of each stream, every movement listed once.
      const streams = byStream(events);
      for (const accountId of ACCOUNTS) {
        const stream = streams.get(`${ACCOUNT_STREAM_PREFIX}${accountId}`)!;
        const summary = await call(baseUrl, 'GET', `/accounts/${accountId}?consistentWith=${head}`);
        expect(summary.status).toBe(200);
        expect(summary.body).toMatchObject({
          accountId,
          balance: fold.balances.get(accountId),
          revision: stream.at(-1)!.revision,
        });

        const listed = await allTransactions(baseUrl, accountId, head);
        const movements = stream.filter(
          (e) => (e.data as { amount?: number }).amount !== undefined,
        );
        expect(listed.map((t) => t.revision)).toEqual(movements.map((e) => e.revision).reverse());
        const seen = listed
          .filter((t) => t.reference !== undefined || t.transferId !== undefined)
          .map((t) => `${t.kind} ${t.reference ?? ''} ${t.transferId ?? ''}`);
        expect(duplicates(seen)).toEqual([]);
        expect(listed.reduce((sum, t) => sum + t.amount, 0)).toBe(summary.body.balance);
      }
      for (const [streamId, stream] of streams) {
        if (!streamId.startsWith(TRANSFER_STREAM_PREFIX)) continue;
        const transfer = await call(
          baseUrl,
          'GET',
          `/transfers/${streamId.slice(TRANSFER_STREAM_PREFIX.length)}?consistentWith=${head}`,
        );
        const status = stream.at(-1)!.type === 'TransferCompleted' ? 'completed' : 'failed';
        expect(transfer.body).toMatchObject({ status, revision: stream.at(-1)!.revision });
      }
    }
  }, 60_000);
});

/**
 * The process manager saves its checkpoint after each batch it handled, so a process killed
 * mid-batch hands it the batch's events again after the restart: consumers must tolerate
 * redelivery. Here the kill (a real SIGKILL) is made to land in that window deterministically: a
 * kill in a single process rarely finds it, because a batch is handled without giving HTTP a turn
 * unless a step has to retry, while a separate projector process (or a Kafka redelivery) meets it
 * all the time. What is on disk after such a kill is reproduced exactly: the refusal and a later
 * deposit are in the log, and the checkpoint still points before the refused transfer.
 */
describe('a transfer refused just before the kill and handled again after the restart', () => {
  let dataDir: string;
  let app: LedgerProcess | undefined;
  dataDirForSuite(
    (dir) => (dataDir = dir),
    () => app,
  );

  it('stays refused, with no money moved and later transfers still served', async () => {
    app = await startApp(dataDir);
    await openAccount(app.url, 'poor', 0);
    await openAccount(app.url, 'payee', 0);
    const requested = await call(app.url, 'POST', '/transfers', {
      fromAccountId: 'poor',
      toAccountId: 'payee',
      amount: 50,
    });
    expect(requested.status).toBe(202);
    const { transferId, position } = requested.body;
    const baseUrl = app.url;
    await eventually(async () => {
      const transfer = await call(baseUrl, 'GET', `/transfers/${transferId}`);
      expect(transfer.body).toMatchObject({
        status: 'failed',
        failureReason: 'INSUFFICIENT_FUNDS',
      });
    });
    // Enough to cover the transfer now, acknowledged before the kill.
    const deposit = await call(app.url, 'POST', '/accounts/poor/deposits', { amount: 100 });
    expect(deposit.status).toBe(200);
    await killApp(app);

    // The state a kill leaves when it lands after the refusal and before the checkpoint save.
    const readStore = new SqliteReadStore({ file: join(dataDir, 'read-models.sqlite') });
    await readStore
      .collection<any>('checkpoints')
      .updateOne({ _id: PROCESS_MANAGER }, { $set: { position: position - 1 } });
    await readStore.close();

    app = await startApp(dataDir);
    const later = await call(app.url, 'POST', '/transfers', {
      fromAccountId: 'poor',
      toAccountId: 'payee',
      amount: 10,
    });
    expect(later.status).toBe(202);
    const restarted = app;
    // Give the process manager time to work through the replay (or give up on it).
    const settled = await eventually(async () => {
      const transfer = await call(restarted.url, 'GET', `/transfers/${later.body.transferId}`);
      expect(['completed', 'failed']).toContain(transfer.body.status);
      return transfer.body;
    }, 5000).catch((error: Error) => error.message);

    await withEventStore(dataDir, async (store) => {
      const account = await store.readStream(`${ACCOUNT_STREAM_PREFIX}poor`);
      const refused = account.filter(
        (e) => (e.data as { transferId?: string }).transferId === transferId,
      );
      // Redelivery must not turn the recorded refusal into a debit.
      expect(refused.map((e) => e.type)).toEqual([]);
      const transfer = await store.readStream(`${TRANSFER_STREAM_PREFIX}${transferId}`);
      expect(transfer.map((e) => e.type)).toEqual(['TransferRequested', 'TransferFailed']);
      expect(unfinishedTransfers(await wholeLog(store))).toEqual([]);
      const fold = await foldLedger(store);
      expect(fold.inFlight).toBe(0);
      expect(fold.total).toBe(fold.external);
    });
    expect(settled).toMatchObject({ status: 'completed' });
    const head = await withEventStore(dataDir, (store) => store.headPosition());
    const summary = await call(restarted.url, 'GET', `/accounts/poor?consistentWith=${head}`);
    expect(summary.body).toMatchObject({ balance: 90 });
  }, 120_000);
});
