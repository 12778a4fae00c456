import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpClient } from '../../harness/http-client';
import type { LedgerProcess } from '../../harness/ledger-process';
import { startServer, stopServer } from '../support/infra-processes';
import { type Traffic, startTraffic } from '../support/ledger-traffic';
import {
  authHeaders,
  expectConverged,
  kafkaLag,
  type LedgerTruth,
  ledgerClient,
  openFundedAccounts,
  PipelineCluster,
  PROJECTOR_CONSUMERS,
  publishEnvelopes,
  readModelView,
  relayCheckpoint,
  relayLeaseHolder,
  topicMessageCount,
  waitUntil,
} from '../support/pipeline-cluster';
import { wholeLog } from '../support/whole-log';

/**
 * The production topology (api, relay and projector as separate OS processes over Kafka and the
 * MongoDB-wire server) under faults: processes killed with -9, the broker and the read store
 * restarted, duplicates in the topic. Each case is a row of FAULTS driven through one sequence:
 * launch → traffic → the fault → more traffic → converge (the read models equal to the event
 * store's fold). One file, so that tests restarting the shared servers run one after another.
 */

/** What the relay logs once it holds the lease and starts publishing. */
const LEASE_TAKEN = 'holding the relay lease';
const NO_LAG = Object.fromEntries(PROJECTOR_CONSUMERS.map((name) => [name, 0]));
const random = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));

/** A fresh stack with all three roles, and funded accounts of one owner. */
interface Launched {
  run: PipelineCluster;
  api: LedgerProcess;
  relay: LedgerProcess;
  projector: LedgerProcess;
  ownerId: string;
  accountIds: string[];
  http: HttpClient;
}

/** What the sequence knows once traffic has stopped and the read models have converged. */
interface Converged {
  load: Traffic;
  truth: LedgerTruth;
  convergedMs: number;
}

/** The line a case prints about itself, once converged. */
type Report = (converged: Converged) => string | Promise<string>;

interface FaultCase {
  title: string;
  /** The stack's name: its topic, database and account ids. */
  name: string;
  accounts?: number;
  timeoutMs: number;
  /** Before any traffic. */
  before?(stack: Launched): Promise<void>;
  /** The fault, while traffic runs: what it asserts on the way, and how to report it. */
  during(stack: Launched, load: Traffic): Promise<Report>;
  /** Commands acknowledged after the fault, before traffic stops. */
  thenCommands: number;
  /** Once converged, every consumer group has also read the topic to its end. */
  topicDrained: boolean;
  /** At rest, once converged: what the case does and asserts then. */
  after?(stack: Launched, converged: Converged): Promise<void>;
}

const FAULTS: FaultCase[] = [
  {
    title:
      'relay killed with -9 at random points re-sends and never skips; a standby relay waits for the lease, then takes over',
    name: 'relaykill',
    timeoutMs: 180_000,
    thenCommands: 50,
    topicDrained: false,
    async during({ run, accountIds, http, relay: first }, load) {
      const mongoUrl = run.stack.env.MONGODB_URL;
      let relay = first;
      const holdsLease = (holder: LedgerProcess) =>
        waitUntil(async () => holder.output().includes(LEASE_TAKEN), 15_000);
      for (let kill = 1; kill <= 3; kill++) {
        // A restarted relay gets the lease once the killed one's has expired, then catches up:
        // killed at a random point of publishing.
        expect(await holdsLease(relay)).toBe(true);
        await load.waitForMore(random(10, 100));
        await sleep(random(0, 250));
        await run.kill(relay);
        relay = await run.start('relay');
      }
      expect(await holdsLease(relay)).toBe(true);
      const standby = await run.start('relay');
      await sleep(3000); // longer than the standby's retry period (a third of the lease's TTL)
      expect(standby.output()).not.toContain(LEASE_TAKEN);
      expect(await relayLeaseHolder(mongoUrl)).toContain(`:${relay.pid}:`);
      // ... while the lease holder keeps publishing.
      const during = await http.post(`/accounts/${accountIds[0]}/deposits`, { amount: 1 });
      const seenDuring = await http.get(
        `/accounts/${accountIds[0]}?consistentWith=${during.body.position}`,
      );
      expect(seenDuring.status).toBe(200);
      expect(standby.output()).not.toContain(LEASE_TAKEN);

      await run.kill(relay);
      const killedAt = Date.now();
      const after = await http.post(`/accounts/${accountIds[1]}/deposits`, { amount: 1 });
      const published = await waitUntil(
        async () => (await relayCheckpoint(mongoUrl)) >= after.body.position,
        20_000,
        100,
      );
      const takeoverMs = Date.now() - killedAt;
      expect(published).toBe(true);
      expect(standby.output()).toContain(LEASE_TAKEN);
      expect(await relayLeaseHolder(mongoUrl)).toContain(`:${standby.pid}:`);
      // The lease expires 5 s after the last renewal; the standby looks every 5/3 s.
      expect(takeoverMs).toBeLessThan(10_000);
      const seenAfter = await http.get(
        `/accounts/${accountIds[1]}?consistentWith=${after.body.position}`,
      );
      const visibleMs = Date.now() - killedAt;
      expect(seenAfter.status).toBe(200);
      return async ({ load: done, truth, convergedMs }) => {
        const messages = await topicMessageCount(run.topic);
        return (
          `relay kills: ${done.count()} commands acknowledged, ${truth.events} events in the ` +
          `store, ${messages} messages in the topic (${messages - truth.events} re-sent); ` +
          `standby published ${takeoverMs} ms after the holder was killed, read model showed ` +
          `it after ${visibleMs} ms; converged ${convergedMs} ms after traffic stopped`
        );
      };
    },
  },
  {
    title:
      'projector killed with -9 mid-batch three times: redelivered events have no second effect',
    name: 'projkill',
    timeoutMs: 180_000,
    thenCommands: 50,
    topicDrained: true,
    async during({ run }, load) {
      for (let kill = 1; kill <= 3; kill++) {
        await load.waitForMore(random(60, 200));
        await sleep(random(0, 250));
        await run.kill(run.current('projector'));
        await run.start('projector');
      }
      return ({ load: done, truth, convergedMs }) =>
        `projector kills: ${done.count()} commands acknowledged, ${truth.events} events, ` +
        `${truth.transfers.size} transfers; converged ${convergedMs} ms after traffic stopped`;
    },
  },
  {
    title:
      'Kafka broker restarted during traffic: commands go on, and the read models catch up to the head',
    name: 'kafkarestart',
    timeoutMs: 180_000,
    thenCommands: 100,
    topicDrained: true,
    async during(_, load) {
      await load.waitForMore(100);
      await stopServer('kafka');
      const stoppedAt = Date.now();
      // The event store, not the broker, is where commands are accepted.
      await load.waitForMore(50, 15_000);
      await sleep(Math.max(0, 5000 - (Date.now() - stoppedAt)));
      await startServer('kafka');
      const downMs = Date.now() - stoppedAt;
      return ({ load: done, truth, convergedMs }) =>
        `Kafka restart: down ${downMs} ms; ${done.count()} commands acknowledged, ` +
        `${truth.events} events; converged (lag zero) ${convergedMs} ms after traffic stopped`;
    },
  },
  {
    title:
      'MongoDB-wire server restarted: queries answer 503 STORE_UNAVAILABLE while it is down, then the read models converge',
    name: 'mongorestart',
    timeoutMs: 180_000,
    thenCommands: 100,
    topicDrained: false,
    async during({ api, ownerId, accountIds }, load) {
      /** A query's answer while the store is down, reduced to what the test expects of it. */
      async function probe(path: string) {
        const started = Date.now();
        try {
          const response = await fetch(`${api.url}${path}`, {
            headers: authHeaders(),
            signal: AbortSignal.timeout(15_000),
          });
          const body = JSON.parse((await response.text()) || '{}');
          return {
            path,
            status: response.status,
            contentType: response.headers.get('content-type')?.split(';')[0],
            code: body.code,
            answeredWithin10s: Date.now() - started < 10_000,
          };
        } catch (error) {
          return { path, status: `no answer: ${(error as Error).message}` };
        }
      }

      await load.waitForMore(100);
      const transfer = load.acknowledged.find((command) => command.op === 'transfer')!;
      const latest = load.acknowledged.at(-1)!.position;
      await stopServer('mongo');
      const stoppedAt = Date.now();
      const paths = [
        `/accounts?ownerId=${ownerId}`,
        `/accounts?ownerId=${ownerId}&consistentWith=${latest}`,
        `/accounts/${accountIds[0]}`,
        `/accounts/${accountIds[0]}/transactions`,
        `/transfers/${transfer.transferId}`,
      ];
      const answers = await Promise.all(paths.map(probe));
      expect(answers).toEqual(
        paths.map((path) => ({
          path,
          status: 503,
          contentType: 'application/problem+json',
          code: 'STORE_UNAVAILABLE',
          answeredWithin10s: true,
        })),
      );
      // Commands need only the event store.
      await load.waitForMore(50, 15_000);
      await sleep(Math.max(0, 8000 - (Date.now() - stoppedAt)));
      await startServer('mongo');
      const downMs = Date.now() - stoppedAt;
      return ({ load: done, truth, convergedMs }) =>
        `MongoDB restart: down ${downMs} ms; ${done.count()} commands acknowledged, ` +
        `${truth.events} events; converged ${convergedMs} ms after traffic stopped`;
    },
  },
  {
    title:
      'duplicates injected into the topic change nothing: read models, transfers and the event store stay as they were',
    name: 'duplicates',
    accounts: 4,
    timeoutMs: 150_000,
    // The traffic is the history to duplicate: no fault while it runs.
    thenCommands: 200,
    topicDrained: false,
    async before({ ownerId, accountIds, http }) {
      // A transfer refused for lack of funds, whose source is funded afterwards: a redelivered
      // request must not be decided again.
      const poor = 'duplicates-poor';
      expect(
        (await http.post('/accounts', { ownerId, currency: 'EUR', accountId: poor })).status,
      ).toBe(201);
      const refused = await http.post('/transfers', {
        fromAccountId: poor,
        toAccountId: accountIds[0],
        amount: 500,
      });
      expect(refused.status).toBe(202);
      const failed = await waitUntil(async () => {
        const transfer = await http.get(`/transfers/${refused.body.transferId}`);
        return transfer.body?.status === 'failed';
      }, 30_000);
      expect(failed).toBe(true);
      expect((await http.post(`/accounts/${poor}/deposits`, { amount: 1000 })).status).toBe(200);
    },
    async during() {
      return ({ truth }) =>
        `duplicates: ${truth.events} envelopes re-published plus 300 shuffled; nothing changed`;
    },
    async after({ run, api, ownerId, http }, { truth: before }) {
      const viewBefore = await readModelView(http, ownerId, before.transfers.keys(), before.head);

      const store = run.stack.openEventStore();
      try {
        const events = await wholeLog(store);
        // Every envelope once more in order, then a sample again, late and shuffled.
        const sample = events
          .map((event) => ({ event, order: Math.random() }))
          .sort((a, b) => a.order - b.order)
          .slice(0, 300)
          .map(({ event }) => event);
        await publishEnvelopes(run.topic, [...events, ...sample]);
        const drained = await waitUntil(
          async () => Object.values(await kafkaLag(run.topic)).every((lag) => lag === 0),
          20_000,
          500,
        );
        await sleep(1000);
        const appended = (await wholeLog(store)).filter((e) => e.position > before.head);
        const lag = await kafkaLag(run.topic);
        expect({
          appendedByDuplicates: appended.map(
            (e) => `${e.position} ${e.streamId} r${e.revision} ${e.type} ${JSON.stringify(e.data)}`,
          ),
          lag,
          drained,
        }).toEqual({ appendedByDuplicates: [], lag: NO_LAG, drained: true });
      } finally {
        await store.close();
      }

      const viewAfter = await readModelView(http, ownerId, before.transfers.keys(), before.head);
      expect(viewAfter).toEqual(viewBefore);
      await expectConverged(run, api, { ownerId, timeoutMs: 30_000 });
    },
  },
];

describe('pipeline under faults', () => {
  /** Processes the supervisor had to restart: by design a recovery path, worth reporting. */
  const exits = (run: PipelineCluster) =>
    `; unexpected exits: ${run.unexpectedExits.length ? run.unexpectedExits.join(' / ') : 'none'}`;

  let cluster: PipelineCluster | undefined;
  let traffic: Traffic | undefined;

  afterEach(async () => {
    await traffic?.stop();
    traffic = undefined;
    await cluster?.dispose();
    cluster = undefined;
    // A test that failed half-way may have left a shared server stopped: later tests need it.
    await startServer('kafka');
    await startServer('mongo');
  }, 120_000);

  async function launch(name: string, accounts = 5): Promise<Launched> {
    const run = (cluster = new PipelineCluster(name));
    const [api, relay, projector] = await Promise.all([
      run.start('api'),
      run.start('relay'),
      run.start('projector'),
    ]);
    const ownerId = `owner-${name}`;
    const accountIds = Array.from({ length: accounts }, (_, i) => `${name}-${i}`);
    const http = ledgerClient(api.url);
    await openFundedAccounts(http, ownerId, accountIds, 2000);
    return { run, api, relay, projector, ownerId, accountIds, http };
  }

  for (const fault of FAULTS) {
    it(
      fault.title,
      async () => {
        const stack = await launch(fault.name, fault.accounts);
        const { run, api, ownerId, accountIds } = stack;
        await run.explained(async () => {
          await fault.before?.(stack);
          const load = (traffic = startTraffic(api.url, accountIds, { headers: authHeaders }));
          const report = await fault.during(stack, load);
          await load.waitForMore(fault.thenCommands);
          await load.stop();
          expect(load.unexpected).toEqual([]);
          const quietAt = Date.now();
          const truth = await expectConverged(run, api, { ownerId, timeoutMs: 60_000 });
          const converged = { load, truth, convergedMs: Date.now() - quietAt };
          if (fault.topicDrained) expect(await kafkaLag(run.topic)).toEqual(NO_LAG);
          await fault.after?.(stack, converged);
          console.error(`${await report(converged)}${exits(run)}`);
        });
      },
      fault.timeoutMs,
    );
  }
});
