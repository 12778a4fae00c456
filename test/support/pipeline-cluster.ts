import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { consumerGroup } from '../../src/event-feed/kafka/kafka-event-feed';
import { toMessage } from '../../src/event-feed/kafka/kafka-event-publisher';
import { tellerToken } from '../../harness/hs256-token';
import { MongoClient } from 'mongodb';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ACCOUNT_STREAM_PREFIX,
  idFromStream,
  TRANSFER_STREAM_PREFIX,
} from '../../src/domain/stream-names';
import type { EventEnvelope } from '../../src/event-store/event-envelope';
import type { EventStore } from '../../src/event-store/event-store.port';
import { httpClient, type HttpClient } from '../../harness/http-client';
import { removeDataDir } from '../../harness/data-dir';
import { foldLedger } from './ledger-fold';
import { traceStuckEvents } from './stuck-event-trace';
import { wholeLog } from './whole-log';
import { type LedgerProcess, startLedgerProcess } from '../../harness/ledger-process';
import { type SplitRole, splitStack } from '../../harness/split-stack';

/** The consumers the projector role runs, each a Kafka consumer group of its own per topic. */
export const PROJECTOR_CONSUMERS = [
  'account-summary',
  'account-transactions',
  'transfer-status',
  'transfer-process-manager',
] as const;

const MOVEMENT_SIGN: Record<string, { kind: string; sign: number }> = {
  MoneyDeposited: { kind: 'deposit', sign: 1 },
  MoneyWithdrawn: { kind: 'withdrawal', sign: -1 },
  TransferDebited: { kind: 'transfer-out', sign: -1 },
  TransferCredited: { kind: 'transfer-in', sign: 1 },
  TransferRefunded: { kind: 'transfer-refund', sign: 1 },
};

const TRANSFER_STATUS_AFTER: Record<string, string> = {
  TransferRequested: 'requested',
  TransferSourceDebited: 'debited',
  TransferCreditRefused: 'credit-refused',
  TransferCompleted: 'completed',
  TransferFailed: 'failed',
};

/**
 * Settings every role process of these tests gets on top of the stack's: a known token secret
 * (where the api asks for bearer tokens) and request limits high enough for load traffic. Settings
 * a build does not know are ignored, so they are harmless where there is no auth or limit.
 */
const TEST_SECRET = 'pipeline-faults-test-secret-0123456789abcdef';
const PROCESS_ENV = {
  JWT_SECRET: TEST_SECRET,
  RATE_LIMIT_PER_SUBJECT: '1000000',
  RATE_LIMIT_PER_ADDRESS: '1000000',
};

/** Headers every request of these tests carries. */
export function authHeaders(): Record<string, string> {
  return { authorization: `Bearer ${tellerToken(TEST_SECRET, 'pipeline-faults')}` };
}

/** `httpClient` with the test's bearer token on every request. */
export function ledgerClient(baseUrl: string): HttpClient {
  const http = httpClient(baseUrl);
  return {
    call: (method, path, body, headers = {}) =>
      http.call(method, path, body, { ...authHeaders(), ...headers }),
    get: (path, headers = {}) => http.get(path, { ...authHeaders(), ...headers }),
    post: (path, body, headers = {}) => http.post(path, body, { ...authHeaders(), ...headers }),
  } as HttpClient;
}

interface Member {
  label: string;
  role: SplitRole;
  proc: LedgerProcess;
  /** Stopped by the test (or the cluster's disposal), not on its own. */
  killed: boolean;
  exitedAt?: number;
}

const SUPERVISED: readonly SplitRole[] = ['relay', 'projector'];
const MAX_SUPERVISED_RESTARTS = 5;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * One split stack (its own topic, database and event store file) whose role processes can be
 * killed and restarted, remembering every process ever started so a failure can show what each
 * printed. Like the production supervisor (compose's `restart: unless-stopped`), it restarts a
 * relay or projector that exits on its own, and records each such exit in `unexpectedExits`.
 */
export class PipelineCluster {
  readonly stack: ReturnType<typeof splitStack>;
  /** Role processes that exited without being killed by the test: label, time, last words. */
  readonly unexpectedExits: string[] = [];
  private readonly members: Member[] = [];
  private readonly started: Record<SplitRole, number> = { api: 0, relay: 0, projector: 0 };
  private readonly startedAt = Date.now();
  private supervisedRestarts = 0;
  private disposed = false;
  private supervising = false;
  private readonly watcher: NodeJS.Timeout;

  constructor(name: string) {
    this.stack = splitStack(name);
    this.watcher = setInterval(() => void this.supervise(), 250);
  }

  get topic(): string {
    return this.stack.env.KAFKA_TOPIC;
  }

  async start(role: SplitRole): Promise<LedgerProcess> {
    const proc = await startLedgerProcess({ ...this.stack.env, ...PROCESS_ENV, LEDGER_ROLE: role });
    this.members.push({ label: `${role}#${++this.started[role]}`, role, proc, killed: false });
    return proc;
  }

  /** The newest running process of a role (a supervisor restart may have replaced the last). */
  current(role: SplitRole): LedgerProcess {
    const running = this.members.filter((m) => m.role === role && m.exitedAt === undefined);
    if (running.length === 0) throw new Error(`no ${role} process is running`);
    return running[running.length - 1].proc;
  }

  /** `kill -9` unless told otherwise; resolves once the process is gone. */
  async kill(proc: LedgerProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const member = this.members.find((m) => m.proc === proc);
    if (member) member.killed = true;
    await proc.kill(signal);
    if (member) member.exitedAt ??= Date.now();
  }

  labelOf(proc: LedgerProcess): string {
    return this.members.find((m) => m.proc === proc)?.label ?? `pid ${proc.pid}`;
  }

  /** The last lines each process printed, for failure messages and bug reports. */
  outputs(lines = 25): string {
    return this.members
      .map(({ label, proc, killed, exitedAt }) => {
        const state = killed ? ', killed by the test' : exitedAt ? ', EXITED ON ITS OWN' : '';
        // Access log lines say little about a fault and would crowd out everything else.
        const tail = proc
          .output()
          .trimEnd()
          .split('\n')
          .filter((line) => !line.includes('"request completed"'))
          .slice(-lines)
          .join('\n');
        return `--- ${label} (pid ${proc.pid}${state}) last ${lines} lines:\n${tail}`;
      })
      .join('\n');
  }

  /** Lines matching `pattern` from every process, labelled. */
  grep(pattern: RegExp, max = 20): string[] {
    return this.members.flatMap(({ label, proc }) =>
      proc
        .output()
        .split('\n')
        .filter((line) => pattern.test(line))
        .slice(0, max)
        .map((line) => `${label}: ${line}`),
    );
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    clearInterval(this.watcher);
    for (const member of this.members) member.killed = true;
    await Promise.all(this.members.map((m) => m.proc.kill('SIGKILL')));
    // PIPELINE_LOG_DIR keeps every process's whole output, for digging into a failure.
    const logDir = process.env.PIPELINE_LOG_DIR;
    if (logDir) {
      mkdirSync(logDir, { recursive: true });
      for (const { label, proc } of this.members) {
        writeFileSync(join(logDir, `${this.topic}.${label}.log`), proc.output());
      }
    }
    removeDataDir(this.stack.dataDir);
    await this.dropServerData();
  }

  /**
   * The stack's database and topic live on servers that outlast the test: dropped, so that they
   * do not pile up (a restart of either server loads everything it holds). Best effort.
   */
  private async dropServerData(): Promise<void> {
    const client = new MongoClient(this.stack.env.MONGODB_URL, { serverSelectionTimeoutMS: 3000 });
    await client
      .db()
      .dropDatabase()
      .catch(() => undefined);
    await client.close().catch(() => undefined);
    const admin = kafka('faults-test-cleanup').admin();
    try {
      await admin.connect();
      await admin.deleteTopics({ topics: [this.topic], timeout: 5000 });
    } catch {
      // the topic stays; harmless
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** Runs `check`, appending every process's recent output to whatever it throws. */
  async explained<T>(check: () => Promise<T>): Promise<T> {
    try {
      return await check();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const exits = this.unexpectedExits.length
        ? `\n\nUnexpected exits:\n${this.unexpectedExits.join('\n')}`
        : '';
      throw new Error(`${message}${exits}\n\nProcess output:\n${this.outputs()}`, {
        cause: error,
      });
    }
  }

  private async supervise(): Promise<void> {
    if (this.supervising) return;
    this.supervising = true;
    try {
      await this.restartExited();
    } finally {
      this.supervising = false;
    }
  }

  private async restartExited(): Promise<void> {
    for (const member of [...this.members]) {
      if (this.disposed || member.killed || member.exitedAt !== undefined) continue;
      if (alive(member.proc.pid)) continue;
      member.exitedAt = Date.now();
      const lastWords = member.proc
        .output()
        .split('\n')
        .filter((line) => /ERROR|giving up|Shutting down/.test(line))
        .slice(-3)
        .join(' | ');
      const at = ((member.exitedAt - this.startedAt) / 1000).toFixed(1);
      this.unexpectedExits.push(`${member.label} exited on its own at +${at} s: ${lastWords}`);
      if (!SUPERVISED.includes(member.role)) continue;
      if (++this.supervisedRestarts > MAX_SUPERVISED_RESTARTS) continue;
      await sleep(1000);
      if (!this.disposed) await this.start(member.role).catch(() => undefined);
    }
  }
}

/** Opens accounts for one owner and funds each, waiting for nothing but the api's answers. */
export async function openFundedAccounts(
  http: HttpClient,
  ownerId: string,
  accountIds: readonly string[],
  initialDeposit: number,
): Promise<number> {
  let position = 0;
  for (const accountId of accountIds) {
    const opened = await http.post('/accounts', { ownerId, currency: 'EUR', accountId });
    if (opened.status !== 201) throw new Error(`open ${accountId}: ${JSON.stringify(opened)}`);
    if (initialDeposit > 0) {
      const funded = await http.post(`/accounts/${accountId}/deposits`, { amount: initialDeposit });
      if (funded.status !== 200) throw new Error(`fund ${accountId}: ${JSON.stringify(funded)}`);
      position = funded.body.position;
    }
  }
  return position;
}

export interface Movement {
  kind: string;
  amount: number;
  balanceAfter: number;
}

/** What the read models must show, derived from the event store alone. */
export interface LedgerTruth {
  head: number;
  events: number;
  fold: Awaited<ReturnType<typeof foldLedger>>;
  accounts: Map<string, { revision: number; movements: Map<number, Movement> }>;
  transfers: Map<string, { status: string; revision: number }>;
  /** Transfers neither completed nor failed yet. */
  unsettled: string[];
}

export async function readTruth(store: EventStore): Promise<LedgerTruth> {
  const events = await wholeLog(store);
  const accounts: LedgerTruth['accounts'] = new Map();
  const transfers: LedgerTruth['transfers'] = new Map();
  for (const event of events) {
    const id = idFromStream(event.streamId);
    if (event.streamId.startsWith(ACCOUNT_STREAM_PREFIX)) {
      const account = accounts.get(id) ?? { revision: -1, movements: new Map() };
      account.revision = event.revision;
      const movement = MOVEMENT_SIGN[event.type];
      if (movement) {
        const data = event.data as { amount: number; balanceAfter: number };
        account.movements.set(event.revision, {
          kind: movement.kind,
          amount: movement.sign * data.amount,
          balanceAfter: data.balanceAfter,
        });
      }
      accounts.set(id, account);
    } else if (event.streamId.startsWith(TRANSFER_STREAM_PREFIX)) {
      transfers.set(id, { status: TRANSFER_STATUS_AFTER[event.type], revision: event.revision });
    }
  }
  // Folded from the same snapshot, so balances, head and transfers describe one moment.
  const snapshot = {
    readAll: async ({ after = 0, maxCount = 1000 } = {}) =>
      events.filter((event) => event.position > after).slice(0, maxCount),
  } as EventStore;
  const fold = await foldLedger(snapshot);
  return {
    head: events.at(-1)?.position ?? 0,
    events: events.length,
    fold,
    accounts,
    transfers,
    unsettled: [...transfers]
      .filter(([, t]) => t.status !== 'completed' && t.status !== 'failed')
      .map(([id]) => id),
  };
}

/** Retries `check` every `intervalMs` until it returns true; false once `timeoutMs` has passed. */
export async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    await sleep(intervalMs);
  }
}

/** Every page of an account's transactions, as the api lists them. */
export async function listTransactions(
  http: HttpClient,
  accountId: string,
  consistentWith?: number,
): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  let first = true;
  do {
    const query = new URLSearchParams({ limit: '100' });
    if (cursor) query.set('cursor', cursor);
    if (first && consistentWith !== undefined) query.set('consistentWith', String(consistentWith));
    const page = await http.get(`/accounts/${accountId}/transactions?${query}`);
    if (page.status !== 200) {
      throw new Error(`transactions of ${accountId}: ${page.status} ${JSON.stringify(page.body)}`);
    }
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
    first = false;
  } while (cursor);
  return items;
}

/** Everything the read models show for one owner, as plain data to compare. */
export interface ReadModelView {
  accounts: Map<string, { balance: number; revision: number }>;
  transactions: Map<string, any[]>;
  transfers: Map<string, { status: string; revision: number }>;
}

export async function readModelView(
  http: HttpClient,
  ownerId: string,
  transferIds: Iterable<string>,
  consistentWith: number,
): Promise<ReadModelView> {
  const listed = await http.get(
    `/accounts?ownerId=${ownerId}&limit=100&consistentWith=${consistentWith}`,
  );
  if (listed.status !== 200) {
    throw new Error(`GET /accounts: ${listed.status} ${JSON.stringify(listed.body)}`);
  }
  const accounts: ReadModelView['accounts'] = new Map(
    listed.body.items.map((a: any) => [a.accountId, { balance: a.balance, revision: a.revision }]),
  );
  const transactions: ReadModelView['transactions'] = new Map();
  for (const accountId of accounts.keys()) {
    transactions.set(accountId, await listTransactions(http, accountId));
  }
  const transfers: ReadModelView['transfers'] = new Map();
  const ids = [...transferIds];
  for (let i = 0; i < ids.length; i += 20) {
    await Promise.all(
      ids.slice(i, i + 20).map(async (transferId) => {
        const transfer = await http.get(`/transfers/${transferId}`);
        transfers.set(
          transferId,
          transfer.status === 200
            ? { status: transfer.body.status, revision: transfer.body.revision }
            : { status: `HTTP ${transfer.status}`, revision: -1 },
        );
      }),
    );
  }
  return { accounts, transactions, transfers };
}

/** Differences between the read models and the event store, as readable lines; none when equal. */
export function differences(truth: LedgerTruth, view: ReadModelView): string[] {
  const found: string[] = [];
  if (truth.fold.inFlight !== 0) found.push(`money in flight in the store: ${truth.fold.inFlight}`);
  if (truth.fold.total !== truth.fold.external) {
    found.push(
      `money not conserved: balances total ${truth.fold.total}, external ${truth.fold.external}`,
    );
  }
  for (const [accountId, account] of truth.accounts) {
    const shown = view.accounts.get(accountId);
    const balance = truth.fold.balances.get(accountId) ?? 0;
    if (!shown) {
      found.push(`account ${accountId} missing from GET /accounts`);
      continue;
    }
    if (shown.balance !== balance || shown.revision !== account.revision) {
      found.push(
        `account ${accountId}: read model balance ${shown.balance} at revision ${shown.revision}, ` +
          `store ${balance} at revision ${account.revision}`,
      );
    }
    const listed = view.transactions.get(accountId) ?? [];
    const revisions = listed.map((t) => t.revision as number);
    const twice = revisions.filter((r, i) => revisions.indexOf(r) !== i);
    if (twice.length > 0) found.push(`account ${accountId}: transactions listed twice: ${twice}`);
    const missing = [...account.movements.keys()].filter((r) => !revisions.includes(r));
    const extra = revisions.filter((r) => !account.movements.has(r));
    if (missing.length > 0) found.push(`account ${accountId}: transactions missing: ${missing}`);
    if (extra.length > 0) found.push(`account ${accountId}: transactions not in store: ${extra}`);
    for (const transaction of listed) {
      const movement = account.movements.get(transaction.revision);
      if (
        movement &&
        (movement.kind !== transaction.kind ||
          movement.amount !== transaction.amount ||
          movement.balanceAfter !== transaction.balanceAfter)
      ) {
        found.push(
          `account ${accountId} revision ${transaction.revision}: listed ` +
            `${JSON.stringify(transaction)}, store ${JSON.stringify(movement)}`,
        );
      }
    }
  }
  for (const accountId of view.accounts.keys()) {
    if (!truth.accounts.has(accountId)) found.push(`account ${accountId} listed but not in store`);
  }
  for (const [transferId, transfer] of truth.transfers) {
    const shown = view.transfers.get(transferId);
    if (!shown || shown.status !== transfer.status || shown.revision !== transfer.revision) {
      found.push(
        `transfer ${transferId}: read model ${JSON.stringify(shown)}, store ${JSON.stringify(transfer)}`,
      );
    }
  }
  return found;
}

export interface ConvergedOptions {
  ownerId: string;
  /** For settling transfers and for read models to reach the head. */
  timeoutMs: number;
}

/**
 * Waits for every transfer to settle in the store, then asks the api for the read models as of
 * the store's head (`consistentWith`) and compares them with the store: balances, revisions,
 * transactions (none twice, none missing), transfer statuses, and money conserved. Throws with
 * the differences and every process's output; returns the truth it compared against.
 */
export async function expectConverged(
  cluster: PipelineCluster,
  api: LedgerProcess,
  { ownerId, timeoutMs }: ConvergedOptions,
): Promise<LedgerTruth> {
  const http = ledgerClient(api.url);
  const store = cluster.stack.openEventStore();
  const deadline = Date.now() + timeoutMs;
  try {
    let truth = await readTruth(store);
    const settled = await waitUntil(
      async () => (truth = await readTruth(store)).unsettled.length === 0,
      timeoutMs,
      500,
    );
    if (!settled) {
      const lag = await kafkaLag(cluster.topic).catch((error: Error) => error.message);
      throw new Error(
        `${truth.unsettled.length} transfers did not settle within ${timeoutMs} ms ` +
          `(e.g. ${truth.unsettled.slice(0, 3)}); money in flight ${truth.fold.inFlight}; ` +
          `Kafka consumer lag ${JSON.stringify(lag)}`,
      );
    }
    let view: ReadModelView | undefined;
    let lastError = '';
    while (!view) {
      try {
        view = await readModelView(http, ownerId, truth.transfers.keys(), truth.head);
      } catch (error) {
        lastError = (error as Error).message;
        if (Date.now() > deadline) {
          const lag = await kafkaLag(cluster.topic).catch((e: Error) => e.message);
          throw new Error(
            `read models did not reach head ${truth.head} within ${timeoutMs} ms: ${lastError}; ` +
              `Kafka consumer lag ${JSON.stringify(lag)}`,
          );
        }
        await sleep(500);
      }
    }
    const found = differences(truth, view);
    if (found.length > 0) {
      // Read-your-writes promised these at the head; say whether they are merely late or wrong.
      await sleep(5000);
      const laterView = await readModelView(http, ownerId, truth.transfers.keys(), 0);
      const later = differences(truth, laterView);
      const trace = await traceStuckTransfers(cluster, store, truth, laterView).catch(
        (error: Error) => [`(no trace: ${error.message})`],
      );
      // The summary and the trace last: CI shows the end of a failure's output.
      throw new Error(
        found.slice(0, 15).join('\n') +
          `\nwhere the first transfers that stayed behind stopped:\n${trace.join('\n')}` +
          `\nread models differ from the event store at consistentWith=${truth.head} ` +
          `(${found.length} differences; ${later.length} still 5 s later)`,
      );
    }
    return truth;
  } finally {
    await store.close();
  }
}

/** The first event each lagging transfer document is missing, traced through the pipeline. */
async function traceStuckTransfers(
  cluster: PipelineCluster,
  store: EventStore,
  truth: LedgerTruth,
  view: ReadModelView,
): Promise<string[]> {
  const behind = [...truth.transfers]
    .filter(([id, transfer]) => (view.transfers.get(id)?.revision ?? -1) < transfer.revision)
    .slice(0, 5)
    .map(([id]) => ({ id, shown: view.transfers.get(id)?.revision ?? -1 }));
  const log = await wholeLog(store);
  const missing = behind.flatMap(({ id, shown }) =>
    log.filter((e) => idFromStream(e.streamId) === id && e.revision === shown + 1),
  );
  return traceStuckEvents(cluster.topic, cluster.stack.env.MONGODB_URL, 'transfer-status', missing);
}

function kafka(clientId: string): Kafka {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set');
  return new Kafka({
    brokers: brokers.split(','),
    clientId,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 3 },
  });
}

/** Per projector consumer group: messages in the topic not yet committed by the group. */
export async function kafkaLag(topic: string): Promise<Record<string, number>> {
  const admin = kafka('faults-test-lag').admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const lag: Record<string, number> = {};
    for (const consumer of PROJECTOR_CONSUMERS) {
      const [committed] = await admin.fetchOffsets({
        groupId: consumerGroup(topic, consumer),
        topics: [topic],
      });
      lag[consumer] = ends.reduce((sum, { partition, high, low }) => {
        const offset = Number(
          committed?.partitions.find((p) => p.partition === partition)?.offset ?? -1,
        );
        return sum + Number(high) - (offset < 0 ? Number(low) : offset);
      }, 0);
    }
    return lag;
  } finally {
    await admin.disconnect();
  }
}

/** Messages in the topic (all partitions); more than the store's events means re-sends. */
export async function topicMessageCount(topic: string): Promise<number> {
  const admin = kafka('faults-test-count').admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    return ends.reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Publishes envelopes to the topic as the relay would, partitioned by stream id. */
export async function publishEnvelopes(topic: string, events: EventEnvelope[]): Promise<void> {
  const producer = kafka('faults-test-duplicates').producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    for (let i = 0; i < events.length; i += 500) {
      await producer.send({
        topic,
        acks: -1,
        messages: events.slice(i, i + 500).map(toMessage),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Who holds the relay lease (`host:pid:uuid`), read straight from the stack's database. */
export async function relayLeaseHolder(mongoUrl: string): Promise<string | undefined> {
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 3000 });
  try {
    const lease = await client
      .db()
      .collection<{ _id: string; holder: string; expiresAt: number }>('leases')
      .findOne({ _id: 'relay' });
    return lease && lease.expiresAt > Date.now() ? lease.holder : undefined;
  } finally {
    await client.close();
  }
}

/** How far the relay has published (its checkpoint), read straight from the stack's database. */
export async function relayCheckpoint(mongoUrl: string): Promise<number> {
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 3000 });
  try {
    const checkpoint = await client
      .db()
      .collection<{ _id: string; position: number }>('checkpoints')
      .findOne({ _id: 'relay' });
    return checkpoint?.position ?? 0;
  } finally {
    await client.close();
  }
}
