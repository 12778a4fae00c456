/**
 * The production pipeline, role by role, against what its parts manage on their own, in one run:
 *   1. relay: N events (AccountOpened + deposits, made by the account decider) appended straight to
 *      the embedded event store, then only LEDGER_ROLE=relay, timed until its checkpoint reaches
 *      the head; beside it SqliteEventStore.readAll and a kafkajs producer (idempotent, acks=all)
 *      over the same N envelopes;
 *   2. projector: then only LEDGER_ROLE=projector, timed until the checkpoints of the three
 *      projections and the transfer process manager reach the head (by `position`, and by offsets
 *      covering the relay's partition ends); beside it a kafkajs consumer over the same topic and N
 *      replaceOne upserts through MongoReadStore.bulkWrite, by _id and with the projections' guard;
 *   3. append-to-visible: api + relay + projector, deposits over HTTP at a fixed open-loop rate; for
 *      each, the time from its answer until GET /accounts/{id} shows its revision, either polled
 *      every few ms or with ?consistentWith=<position> (both by default, one after the other).
 * Role rates are steady rates: from the first checkpoint sample showing progress to done, less what
 * was already handled at that sample; "incl. start" also counts process start-up (or group join).
 * Needs Kafka and the MongoDB-wire server: KAFKA_BROKERS and MONGODB_URL, or else it runs
 * `infra/infra.sh up` and stops afterwards only the servers it started. Each run has its own topic,
 * database and temp DATA_DIR, removed at the end.
 * Run: npm run bench:pipeline. Settings come from BENCH_* variables (see `settings` below).
 */
import { toMessage } from '../src/event-feed/kafka/kafka-event-publisher';
import { tellerToken } from '../harness/hs256-token';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import type { AccountCommand } from '../src/domain/accounts/account.commands';
import { accountDecider } from '../src/domain/accounts/account.decider';
import type { AccountEvent } from '../src/domain/accounts/account.events';
import type { AccountState } from '../src/domain/accounts/account.state';
import { CURRENT_SCHEMA_VERSION } from '../src/domain/event-schema-versions';
import { idFromStream } from '../src/domain/stream-names';
import type { EventEnvelope, NewEvent } from '../src/event-store/event-envelope';
import { SqliteEventStore } from '../src/event-store/embedded/sqlite-event-store';
import { MongoReadStore } from '../src/read-store/mongodb/mongo-read-store';
import type { BulkWriteOperation, ReadDocument } from '../src/read-store/read-store.port';
import type { Checkpoint } from '../src/subscriptions/checkpoint-store';
import {
  ensureInfra,
  type Infra,
  killAllRoles,
  type RoleProcess,
  roleTails,
  startRole,
  stopAllRoles,
  stopInfra,
  waitHealthy,
} from './support/pipeline-stack';
import { setting } from './support/bench-settings';

const settings = {
  accounts: setting('BENCH_ACCOUNTS', 200),
  deposits: setting('BENCH_DEPOSITS', 20_000),
  /** Deposits per account in one preload append. */
  preloadChunk: setting('BENCH_PRELOAD_CHUNK', 20),
  rate: setting('BENCH_RATE', 50),
  seconds: setting('BENCH_SECONDS', 20),
  pollMs: setting('BENCH_POLL_MS', 5),
  partitions: setting('BENCH_PARTITIONS', 3),
  visibility: (process.env.BENCH_VISIBILITY ?? 'poll,consistentWith').split(','),
};
const BATCH = 500;
/** Bounds, each phase on its own and the run as a whole. */
const START_TIMEOUT_MS = 90_000;
const RELAY_TIMEOUT_MS = 180_000;
const PROJECTOR_TIMEOUT_MS = 300_000;
const RAW_TIMEOUT_MS = 120_000;
/** The guarded upserts slow down as the collection grows on mongo-wire (see the report). */
const GUARDED_TIMEOUT_MS = 400_000;
const REQUEST_TIMEOUT_MS = 10_000;
const VISIBLE_TIMEOUT_MS = 30_000;
const WATCHDOG_MS = 20 * 60_000 + settings.seconds * 2000;
/** How often checkpoints are sampled while a role catches up. */
const SAMPLE_MS = 10;
/** Where the api asks for bearer tokens, it gets this secret (see tellerToken). */
const TOKEN_SECRET = 'ledgerline-pipeline-bench-secret-0123456789';
const PROJECTION_CONSUMERS = ['account-summary', 'account-transactions', 'transfer-status'];
const CONSUMERS = [...PROJECTION_CONSUMERS, 'transfer-process-manager'];

/** Runs `work`, failing it after `ms`; the caller's cleanup then stops whatever it left behind. */
async function bounded<T>(what: string, ms: number, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const now = () => performance.now();
/** Other work on the machine skews every figure: printed next to them. */
const load = () =>
  `load average ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')}`;
const perSecond = (count: number, ms: number) => (count / ms) * 1000;
const fmt = (value: number, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', {
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      })
    : 'n/a';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

interface Stack {
  run: string;
  dataDir: string;
  eventFile: string;
  topic: string;
  rawTopic: string;
  database: string;
  mongoDbUrl: string;
  brokers: string[];
  env: Record<string, string>;
}

function stackFor(infra: Infra): Stack {
  const run = randomUUID().slice(0, 8);
  const dataDir = mkdtempSync(join(tmpdir(), 'ledgerline-pipeline-bench-'));
  const topic = `bench-pipeline-${run}`;
  const database = `bench_pipeline_${run}`;
  const mongoDbUrl = `${infra.mongoUrl.replace(/\/[^/]*$/, '')}/${database}`;
  return {
    run,
    dataDir,
    eventFile: join(dataDir, 'events.sqlite'),
    topic,
    rawTopic: `${topic}-raw`,
    database,
    mongoDbUrl,
    brokers: infra.brokers.split(','),
    env: {
      DATA_DIR: dataDir,
      TRANSPORT: 'kafka',
      KAFKA_BROKERS: infra.brokers,
      KAFKA_TOPIC: topic,
      KAFKA_PARTITIONS: String(settings.partitions),
      READ_STORE: 'mongodb',
      MONGODB_URL: mongoDbUrl,
      CONSISTENCY_TIMEOUT_MS: String(VISIBLE_TIMEOUT_MS),
      // Where the api asks for bearer tokens: a known secret, and request limits above the load.
      JWT_SECRET: TOKEN_SECRET,
      RATE_LIMIT_PER_SUBJECT: '1000000',
      RATE_LIMIT_PER_ADDRESS: '1000000',
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Preload and the raw event store read

const accountId = (n: number) => `bench-${n}`;

function newEvent(event: AccountEvent): NewEvent {
  const commandId = randomUUID();
  return {
    eventId: randomUUID(),
    type: event.type,
    schemaVersion: CURRENT_SCHEMA_VERSION[event.type],
    data: event.data,
    metadata: {
      actor: { subject: 'bench', roles: [] },
      correlationId: commandId,
      causationId: commandId,
      commandId,
    },
  };
}

/**
 * The events the command side would append, made by the account decider itself (so they have the
 * current shapes and schema versions): AccountOpened per account, then the deposits, a chunk per
 * account per round so that the accounts interleave in the global log.
 */
async function preload(file: string): Promise<{ head: number; appends: number; ms: number }> {
  const store = new SqliteEventStore({ file });
  const startedAt = now();
  let appends = 0;
  const states: AccountState[] = [];
  const decide = (a: number, command: AccountCommand): AccountEvent[] => {
    const events = accountDecider.decide(command, states[a]);
    states[a] = events.reduce(accountDecider.evolve, states[a]);
    return events;
  };
  const perAccount = (a: number) =>
    Math.floor(settings.deposits / settings.accounts) +
    (a < settings.deposits % settings.accounts ? 1 : 0);
  for (let a = 0; a < settings.accounts; a++) {
    states[a] = accountDecider.initialState;
    const open: AccountCommand = {
      type: 'OpenAccount',
      accountId: accountId(a),
      ownerId: 'bench',
      currency: 'EUR',
      overdraftLimit: 0,
    };
    const events = decide(a, open).map(newEvent);
    await store.append(accountDecider.streamId(accountId(a)), events, 'no-stream');
    appends++;
  }
  const rounds = Math.ceil(perAccount(0) / settings.preloadChunk);
  for (let round = 0; round < rounds; round++) {
    for (let a = 0; a < settings.accounts; a++) {
      const from = round * settings.preloadChunk;
      const to = Math.min(perAccount(a), from + settings.preloadChunk);
      if (from >= to) continue;
      const events = Array.from({ length: to - from }, () =>
        decide(a, { type: 'DepositMoney', amount: 100 }),
      ).flat();
      // Revision `from` is the last deposit before this chunk (AccountOpened is revision 0).
      await store.append(accountDecider.streamId(accountId(a)), events.map(newEvent), from);
      appends++;
    }
  }
  const ms = now() - startedAt;
  const head = await store.headPosition();
  await store.close();
  return { head, appends, ms };
}

interface Rate {
  count: number;
  ms: number;
}

/** readAll in pages of BATCH on a fresh connection, as the relay reads; keeps the envelopes. */
async function rawRead(file: string): Promise<Rate & { envelopes: EventEnvelope[] }> {
  const store = new SqliteEventStore({ file });
  const envelopes: EventEnvelope[] = [];
  const startedAt = now();
  let after = 0;
  for (;;) {
    const page = await store.readAll({ after, maxCount: BATCH });
    if (page.length === 0) break;
    for (const event of page) envelopes.push(event);
    after = page[page.length - 1].position;
  }
  const ms = now() - startedAt;
  await store.close();
  return { count: envelopes.length, ms, envelopes };
}

// ---------------------------------------------------------------------------------------------
// Raw Kafka and MongoDB

function kafkaClient(stack: Stack): Kafka {
  return new Kafka({
    clientId: 'bench-pipeline',
    brokers: stack.brokers,
    logLevel: logLevel.ERROR,
  });
}

/** The relay's producer settings, on a scratch topic, timed from the first send to the last ack. */
async function rawProduce(stack: Stack, envelopes: EventEnvelope[]): Promise<Rate> {
  const kafka = kafkaClient(stack);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic: stack.rawTopic, numPartitions: settings.partitions }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
  const messages = envelopes.map(toMessage);
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    const startedAt = now();
    for (let start = 0; start < messages.length; start += BATCH) {
      await producer.send({
        topic: stack.rawTopic,
        acks: -1,
        messages: messages.slice(start, start + BATCH),
      });
    }
    return { count: messages.length, ms: now() - startedAt };
  } finally {
    await producer.disconnect();
  }
}

/** A new group reading the relay's topic from the beginning, without parsing the messages. */
async function rawConsume(stack: Stack, expected: number): Promise<Rate & { withJoinMs: number }> {
  const consumer = kafkaClient(stack).consumer({
    groupId: `bench-pipeline-raw-${stack.run}`,
    maxWaitTimeInMs: 100,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: stack.topic, fromBeginning: true });
    let consumed = 0;
    let firstAt = 0;
    const startedAt = now();
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            firstAt ||= now();
            consumed += batch.messages.length;
            if (consumed >= expected) resolve();
          },
        })
        .catch(reject);
    });
    const doneAt = now();
    return { count: consumed, ms: doneAt - firstAt, withJoinMs: doneAt - startedAt };
  } finally {
    await consumer.disconnect();
  }
}

/**
 * N replaceOne upserts in bulk writes of BATCH, one new document per event shaped as
 * account-transactions writes it (that read model gets one document per deposit, so it is most of
 * the projector's writes), into a collection with that projection's index. `guarded` adds the
 * filter ProjectionConsumer puts on every write, `revision: { $lt: <new revision> }`.
 */
async function rawUpserts(
  stack: Stack,
  envelopes: EventEnvelope[],
  guarded: boolean,
): Promise<Rate> {
  const store = new MongoReadStore({ url: stack.mongoDbUrl });
  const collection = store.collection(`bench_raw_upserts_${guarded ? 'guarded' : 'by_id'}`);
  await collection.createIndex({ keys: { accountId: 1, revision: -1 } });
  const operations: BulkWriteOperation<ReadDocument>[] = envelopes.map((event) => {
    const account = idFromStream(event.streamId);
    const _id = `${account}:${event.revision}`;
    return {
      replaceOne: {
        filter: guarded ? { _id, revision: { $lt: event.revision } } : { _id },
        replacement: {
          _id,
          accountId: account,
          kind: 'deposit',
          amount: 100,
          balanceAfter: event.revision * 100,
          channel: 'api',
          revision: event.revision,
          position: event.position,
          recordedAt: event.recordedAt,
        },
        upsert: true,
      },
    };
  });
  try {
    const startedAt = now();
    for (let start = 0; start < operations.length; start += BATCH) {
      await collection.bulkWrite(operations.slice(start, start + BATCH));
    }
    return { count: operations.length, ms: now() - startedAt };
  } finally {
    await store.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The roles catching up

interface CatchUp {
  /** From the first sample that saw progress to done: the steady rate. */
  rate: number;
  windowMs: number;
  /** From spawn to done: start-up (ts-node, Nest, Kafka, group joins) included. */
  fromSpawnMs: number;
}

async function checkpoints(store: MongoReadStore, ids: string[]): Promise<Map<string, Checkpoint>> {
  const found = await store.collection<Checkpoint>('checkpoints').find({ _id: { $in: ids } });
  return new Map(found.map((checkpoint) => [checkpoint._id, checkpoint]));
}

/** Samples the relay's checkpoint until its position reaches the head. */
async function relayCatchUp(
  store: MongoReadStore,
  relay: RoleProcess,
  head: number,
): Promise<CatchUp & { partitionEnds: Record<string, number> }> {
  let first: { at: number; position: number } | undefined;
  for (;;) {
    if (!relay.isAlive()) throw new Error(`the relay exited:\n${relay.tail()}`);
    const checkpoint = (await checkpoints(store, ['relay'])).get('relay');
    const at = now();
    if (checkpoint && checkpoint.position > 0) {
      first ??= { at, position: checkpoint.position };
      if (checkpoint.position >= head) {
        const windowMs = at - first.at;
        return {
          rate: perSecond(head - first.position, windowMs),
          windowMs,
          fromSpawnMs: at - relay.spawnedAt,
          partitionEnds: checkpoint.partitionEnds ?? {},
        };
      }
    }
    await sleep(SAMPLE_MS);
  }
}

/** Messages a consumer has handled, from its per-partition offsets (the topic starts at 0). */
function handled(checkpoint: Checkpoint | undefined): number {
  return Object.values(checkpoint?.offsets ?? {}).reduce((sum, offset) => sum + offset + 1, 0);
}

interface ProjectorCatchUp {
  /** Every consumer's `position` (the highest it has seen) ≥ head. */
  byPosition: CatchUp;
  /** Every consumer's offsets cover the relay's partition ends: nothing left anywhere. */
  byOffsets: CatchUp;
  finishedAt: Record<string, number>;
}

/**
 * Samples the four consumers' checkpoints. The steady window starts at the first sample where all
 * four have one; the rate is what the consumer furthest behind then still had to handle (from its
 * offsets) over the time until all four are done, i.e. until every event has been applied by all.
 */
async function projectorCatchUp(
  store: MongoReadStore,
  projector: RoleProcess,
  head: number,
  ends: Record<string, number>,
): Promise<ProjectorCatchUp> {
  const total = Object.values(ends).reduce((sum, end) => sum + end, 0);
  let start: { at: number; remaining: number } | undefined;
  let byPosition: CatchUp | undefined;
  const finishedAt: Record<string, number> = {};
  const caughtUp = (c: Checkpoint | undefined) =>
    c !== undefined &&
    Object.entries(ends).every(([partition, end]) => (c.offsets?.[partition] ?? -1) + 1 >= end);
  const window = (at: number): CatchUp => ({
    rate: perSecond(start!.remaining, at - start!.at),
    windowMs: at - start!.at,
    fromSpawnMs: at - projector.spawnedAt,
  });
  for (;;) {
    if (!projector.isAlive()) throw new Error(`the projector exited:\n${projector.tail()}`);
    const found = await checkpoints(store, CONSUMERS);
    const at = now();
    if (!start && CONSUMERS.every((name) => found.has(name))) {
      const remaining = CONSUMERS.map((name) => total - handled(found.get(name)));
      start = { at, remaining: Math.max(...remaining) };
    }
    for (const name of CONSUMERS) {
      if (finishedAt[name] === undefined && caughtUp(found.get(name))) {
        finishedAt[name] = at - projector.spawnedAt;
      }
    }
    if (start) {
      byPosition ??= CONSUMERS.every((name) => found.get(name)!.position >= head)
        ? window(at)
        : undefined;
      if (CONSUMERS.every((name) => caughtUp(found.get(name)))) {
        return { byPosition: byPosition ?? window(at), byOffsets: window(at), finishedAt };
      }
    }
    await sleep(SAMPLE_MS);
  }
}

// ---------------------------------------------------------------------------------------------
// Append-to-visible

type VisibilityMode = 'poll' | 'consistentWith';

interface VisibilityRun {
  mode: VisibilityMode;
  sent: number;
  ok: number;
  errors: number;
  firstError?: string;
  /** From the first send to the last send. */
  sendingMs: number;
  /** From the first send to the last answer. */
  answeringMs: number;
  /** How late the open-loop sender fired, at worst. */
  maxSendDelayMs: number;
  commandMs: number[];
  visibleMs: number[];
  /** Response time of each GET: in poll mode, the resolution of the visible figures. */
  readMs: number[];
}

const authorization = `Bearer ${tellerToken(TOKEN_SECRET, 'pipeline-bench')}`;

async function call(url: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    ...init,
    headers: { authorization, ...(init?.headers as Record<string, string> | undefined) },
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

function deposit(api: string, account: string) {
  return call(`${api}/accounts/${account}/deposits`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ amount: 1 }),
  });
}

/** Open loop: command i leaves at start + i / rate whether or not earlier ones were answered. */
async function appendToVisible(
  api: string,
  mode: VisibilityMode,
  count: number,
): Promise<VisibilityRun> {
  const result: VisibilityRun = {
    mode,
    sent: 0,
    ok: 0,
    errors: 0,
    sendingMs: 0,
    answeringMs: 0,
    maxSendDelayMs: 0,
    commandMs: [],
    visibleMs: [],
    readMs: [],
  };
  const startedAt = now();
  let lastAnswerAt = startedAt;

  async function one(i: number): Promise<void> {
    const account = accountId(i % settings.accounts);
    const sentAt = now();
    const command = await deposit(api, account);
    const answeredAt = now();
    lastAnswerAt = Math.max(lastAnswerAt, answeredAt);
    if (command.status !== 200)
      throw new Error(`deposit ${command.status}: ${JSON.stringify(command.body)}`);
    result.commandMs.push(answeredAt - sentAt);
    const { revision, position } = command.body as { revision: number; position: number };
    if (mode === 'consistentWith') {
      const read = await call(`${api}/accounts/${account}?consistentWith=${position}`);
      const visibleAt = now();
      result.readMs.push(visibleAt - answeredAt);
      const seen = (read.body as { revision?: number } | undefined)?.revision ?? -1;
      if (read.status !== 200 || seen < revision) {
        throw new Error(`consistentWith read ${read.status}: ${JSON.stringify(read.body)}`);
      }
      result.visibleMs.push(visibleAt - answeredAt);
      return;
    }
    for (;;) {
      const pollAt = now();
      const read = await call(`${api}/accounts/${account}`);
      const seenAt = now();
      result.readMs.push(seenAt - pollAt);
      const seen = (read.body as { revision?: number } | undefined)?.revision ?? -1;
      if (read.status === 200 && seen >= revision) {
        result.visibleMs.push(seenAt - answeredAt);
        return;
      }
      if (seenAt - answeredAt > VISIBLE_TIMEOUT_MS) {
        throw new Error(
          `revision ${revision} of ${account} not visible after ${VISIBLE_TIMEOUT_MS} ms`,
        );
      }
      await sleep(Math.max(0, settings.pollMs - (seenAt - pollAt)));
    }
  }

  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = startedAt + (i * 1000) / settings.rate;
    const wait = due - now();
    if (wait > 0) await sleep(wait);
    result.maxSendDelayMs = Math.max(result.maxSendDelayMs, now() - due);
    result.sent++;
    inFlight.push(
      one(i).then(
        () => void result.ok++,
        (error: unknown) => {
          result.errors++;
          result.firstError ??= error instanceof Error ? error.message : String(error);
        },
      ),
    );
  }
  result.sendingMs = now() - startedAt;
  await Promise.all(inFlight);
  result.answeringMs = lastAnswerAt - startedAt;
  return result;
}

// ---------------------------------------------------------------------------------------------
// Reporting

function row(cells: string[], widths: number[]): string {
  return cells
    .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
    .join('  ');
}

function distribution(samples: number[]): string[] {
  const sorted = [...samples].sort((a, b) => a - b);
  return [50, 95, 99]
    .map((p) => fmt(percentile(sorted, p), 1))
    .concat(fmt(sorted[sorted.length - 1] ?? NaN, 1));
}

async function cleanUp(stack: Stack | undefined, infra: Infra | undefined): Promise<void> {
  await stopAllRoles().catch((error: unknown) => console.error('stopping roles:', error));
  if (stack) {
    rmSync(stack.dataDir, { recursive: true, force: true });
    if (infra) {
      const admin = kafkaClient(stack).admin();
      await bounded('deleting the topics', 30_000, async () => {
        await admin.connect();
        try {
          const existing = new Set(await admin.listTopics());
          const topics = [stack.topic, stack.rawTopic].filter((topic) => existing.has(topic));
          if (topics.length > 0) await admin.deleteTopics({ topics });
        } finally {
          await admin.disconnect();
        }
      }).catch((error: unknown) => console.error('deleting topics:', error));
      const client = new MongoClient(stack.mongoDbUrl, { serverSelectionTimeoutMS: 2000 });
      await bounded('dropping the database', 30_000, async () => {
        try {
          await client.db(stack.database).dropDatabase();
        } finally {
          await client.close();
        }
      }).catch((error: unknown) => console.error('dropping the database:', error));
    }
  }
  if (infra) stopInfra(infra);
}

async function main(): Promise<void> {
  const cpuList = cpus();
  console.log(
    `machine: ${cpuList.length} cpus (${cpuList[0]?.model.trim() ?? 'unknown'}), ` +
      `${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.version}; ` +
      `${new Date().toISOString()}; ${load()}`,
  );

  let infra: Infra | undefined;
  let stack: Stack | undefined;
  const watchdog = setTimeout(() => {
    console.error(`pipeline benchmark exceeded ${WATCHDOG_MS} ms; killing everything`);
    killAllRoles();
    if (infra) stopInfra(infra);
    process.exit(1);
  }, WATCHDOG_MS);
  watchdog.unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAllRoles();
      if (stack) rmSync(stack.dataDir, { recursive: true, force: true });
      if (infra) stopInfra(infra);
      process.exit(130);
    });
  }

  try {
    infra = ensureInfra();
    stack = stackFor(infra);
    const current = stack;
    console.log(
      `servers: kafka ${infra.brokers}, mongo-wire ${infra.mongoUrl.replace(/\/[^/]*$/, '')} ` +
        `(${infra.started.length ? `started here: ${infra.started.join(', ')}` : 'already running'}); ` +
        `topic ${current.topic} (${settings.partitions} partitions), database ${current.database}`,
    );

    // Preload, then the raw read and produce over the same envelopes.
    const loaded = await bounded('the preload', RAW_TIMEOUT_MS * 2, () =>
      preload(current.eventFile),
    );
    const head = loaded.head;
    console.log(
      `preload: ${settings.accounts} AccountOpened + ${settings.deposits} MoneyDeposited = ` +
        `N ${fmt(head)} events in ${fmt(loaded.appends)} SqliteEventStore.append calls, ` +
        `${fmt(loaded.ms)} ms (synchronous=FULL)`,
    );
    const read = await bounded('the raw read', RAW_TIMEOUT_MS, () => rawRead(current.eventFile));
    if (read.count !== head) throw new Error(`read ${read.count} events, expected ${head}`);
    const produce = await bounded('the raw produce', RAW_TIMEOUT_MS, () =>
      rawProduce(current, read.envelopes),
    );

    // 1. Only the relay.
    const readStore = new MongoReadStore({ url: current.mongoDbUrl });
    try {
      const relay = await startRole('relay', current.env);
      const relayed = await bounded('the relay catch-up', RELAY_TIMEOUT_MS, () =>
        relayCatchUp(readStore, relay, head),
      );

      // 2. Raw consume and upserts, then only the projector (the relay stays, idle).
      const consume = await bounded('the raw consume', RAW_TIMEOUT_MS, () =>
        rawConsume(current, head),
      );
      const upserts = await bounded('the raw upserts', RAW_TIMEOUT_MS, () =>
        rawUpserts(current, read.envelopes, false),
      );
      const guardedUpserts = await bounded('the guarded raw upserts', GUARDED_TIMEOUT_MS, () =>
        rawUpserts(current, read.envelopes, true),
      );
      const projector = await startRole('projector', current.env);
      const projected = await bounded('the projector catch-up', PROJECTOR_TIMEOUT_MS, () =>
        projectorCatchUp(readStore, projector, head, relayed.partitionEnds),
      );

      const widths = [52, 10, 10, 10];
      console.log('');
      console.log(
        row(
          ['throughput, N = ' + fmt(head) + ' events', 'events/s', 'window ms', 'incl. start'],
          widths,
        ),
      );
      const rateRow = (label: string, rate: number, ms: number, fromSpawn?: number) =>
        console.log(
          row([label, fmt(rate), fmt(ms), fromSpawn === undefined ? '' : fmt(fromSpawn)], widths),
        );
      rateRow(
        'relay: store -> Kafka, checkpoint at head',
        relayed.rate,
        relayed.windowMs,
        relayed.fromSpawnMs,
      );
      rateRow(
        '  raw SqliteEventStore.readAll, pages of 500',
        perSecond(read.count, read.ms),
        read.ms,
      );
      rateRow(
        '  raw kafkajs produce, 500/batch, idempotent, acks=all',
        perSecond(produce.count, produce.ms),
        produce.ms,
      );
      rateRow(
        'projector: 4 consumers, every position >= head',
        projected.byPosition.rate,
        projected.byPosition.windowMs,
        projected.byPosition.fromSpawnMs,
      );
      rateRow(
        'projector: 4 consumers, offsets cover relay ends',
        projected.byOffsets.rate,
        projected.byOffsets.windowMs,
        projected.byOffsets.fromSpawnMs,
      );
      rateRow(
        '  raw kafkajs consume (new group, after 1st batch)',
        perSecond(consume.count, consume.ms),
        consume.ms,
        consume.withJoinMs,
      );
      rateRow(
        '  raw MongoReadStore.bulkWrite, 500 upserts, {_id}',
        perSecond(upserts.count, upserts.ms),
        upserts.ms,
      );
      rateRow(
        '  same, {_id, revision: {$lt}} as projections write',
        perSecond(guardedUpserts.count, guardedUpserts.ms),
        guardedUpserts.ms,
      );
      console.log(
        `  projector consumers caught up (ms from spawn): ` +
          CONSUMERS.map((name) => `${name} ${fmt(projected.finishedAt[name])}`).join(', '),
      );
      console.log(
        `  each event is handled by 3 projections + the process manager: ` +
          `${fmt(projected.byOffsets.rate * CONSUMERS.length)} event-handlings/s in all`,
      );
      const ratio = (a: number, b: number) => (a / b).toFixed(2);
      console.log(
        `ratios: relay/raw-read ${ratio(relayed.rate, perSecond(read.count, read.ms))}, ` +
          `relay/raw-produce ${ratio(relayed.rate, perSecond(produce.count, produce.ms))}, ` +
          `projector/raw-consume ${ratio(projected.byOffsets.rate, perSecond(consume.count, consume.ms))}, ` +
          `projector/raw-upsert ${ratio(projected.byOffsets.rate, perSecond(upserts.count, upserts.ms))} ` +
          `(guarded: ${ratio(projected.byOffsets.rate, perSecond(guardedUpserts.count, guardedUpserts.ms))}) ` +
          `(projector = offsets-cover figure); ${load()}`,
      );

      // 3. Append-to-visible with all three roles.
      const api = await startRole('api', current.env);
      await waitHealthy(api, START_TIMEOUT_MS);
      await waitHealthy(relay, START_TIMEOUT_MS);
      await waitHealthy(projector, START_TIMEOUT_MS);
      const commands = settings.rate * settings.seconds;
      // Warm-up: connections, JIT, the api's first reads; not counted.
      const warmUp = await bounded('the warm-up', 60_000, () =>
        appendToVisible(api.url, 'consistentWith', 20),
      );
      if (warmUp.errors > 0) throw new Error(`warm-up commands failed: ${warmUp.firstError}`);
      const runs: VisibilityRun[] = [];
      for (const mode of settings.visibility as VisibilityMode[]) {
        if (mode !== 'poll' && mode !== 'consistentWith') throw new Error(`unknown mode ${mode}`);
        runs.push(
          await bounded(`append-to-visible (${mode})`, settings.seconds * 1000 + 120_000, () =>
            appendToVisible(api.url, mode, commands),
          ),
        );
        await sleep(1000);
      }
      console.log('');
      console.log(
        `append-to-visible: api + relay + projector processes, deposits open-loop at ` +
          `${settings.rate}/s for ${settings.seconds} s over ${settings.accounts} accounts (ms)`,
      );
      const vw = [40, 6, 6, 9, 25, 31];
      console.log(
        row(
          [
            'visible when',
            'sent',
            'ok',
            'cmds/s',
            'deposit p50/p95/p99/max',
            'visible p50/p95/p99/max',
          ],
          vw,
        ),
      );
      for (const run of runs) {
        const label =
          run.mode === 'poll'
            ? `GET /accounts/{id} every ${settings.pollMs} ms shows rev`
            : 'GET /accounts/{id}?consistentWith= returns';
        console.log(
          row(
            [
              label,
              fmt(run.sent),
              fmt(run.ok),
              fmt(perSecond(run.ok, run.answeringMs), 1),
              distribution(run.commandMs).join('/'),
              distribution(run.visibleMs).join('/'),
            ],
            vw,
          ),
        );
        console.log(
          `  ${run.mode}: ${run.errors} errors, ${fmt(run.readMs.length)} GETs (p50/p95 ` +
            `${distribution(run.readMs).slice(0, 2).join('/')} ms), sent over ` +
            `${fmt(run.sendingMs)} ms (max send delay ${fmt(run.maxSendDelayMs, 1)} ms), last answer ` +
            `at ${fmt(run.answeringMs)} ms` +
            (run.firstError ? `; first error: ${run.firstError}` : ''),
        );
        if (run.errors > 0) process.exitCode = 1;
      }
      console.log(`  ${load()}`);
    } finally {
      await readStore.close();
    }
  } catch (error) {
    console.error(`pipeline benchmark failed: ${error instanceof Error ? error.message : error}`);
    console.error(roleTails());
    process.exitCode = 1;
  } finally {
    clearTimeout(watchdog);
    await cleanUp(stack, infra);
  }
}

// Exits rather than waiting for the event loop: a phase cut short by its time bound may leave a
// client (a consumer, a fetch) behind that would keep the process alive.
main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error);
    killAllRoles();
    process.exit(1);
  },
);
