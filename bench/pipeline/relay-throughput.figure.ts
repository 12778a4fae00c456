/**
 * Relay throughput: N preloaded events, then only LEDGER_ROLE=relay, timed until its checkpoint
 * reaches the head; beside it SqliteEventStore.readAll and a kafkajs producer (idempotent,
 * acks=all) over the same N envelopes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Partitioners } from 'kafkajs';
import { toMessage } from '../../src/event-feed/kafka/kafka-event-publisher';
import type { EventEnvelope } from '../../src/event-store/event-envelope';
import { SqliteEventStore } from '../../src/event-store/embedded/sqlite-event-store';
import type { MongoReadStore } from '../../src/read-store/mongodb/mongo-read-store';
import { bounded } from '../support/bounded';
import { now, perSecond } from '../support/figures';
import { type RoleProcess, startRole } from '../support/pipeline-stack';
import { type CatchUp, checkpoints, type Rate, type ThroughputRow } from './catch-up';
import { kafkaClient, type PipelineRun } from './pipeline-run';
import { BATCH, RAW_TIMEOUT_MS, RELAY_TIMEOUT_MS, SAMPLE_MS, settings } from './settings';

export interface RelayFigure {
  relay: RoleProcess;
  relayed: CatchUp & { partitionEnds: Record<string, number> };
  read: Rate;
  produce: Rate;
  /** What the raw read returned, for the projector's raw baselines. */
  envelopes: EventEnvelope[];
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

/** The relay's producer settings, on a scratch topic, timed from the first send to the last ack. */
async function rawProduce(run: PipelineRun, envelopes: EventEnvelope[]): Promise<Rate> {
  const kafka = kafkaClient(run);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic: run.rawTopic, numPartitions: settings.partitions }],
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
        topic: run.rawTopic,
        acks: -1,
        messages: messages.slice(start, start + BATCH),
      });
    }
    return { count: messages.length, ms: now() - startedAt };
  } finally {
    await producer.disconnect();
  }
}

/** Samples the relay's checkpoint until its position reaches the head. */
async function relayCatchUp(
  store: MongoReadStore,
  relay: RoleProcess,
  head: number,
): Promise<RelayFigure['relayed']> {
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

/** The raw read and produce over the preloaded events, then the relay alone (it stays running). */
export async function measureRelay(
  run: PipelineRun,
  readStore: MongoReadStore,
  head: number,
): Promise<RelayFigure> {
  const read = await bounded('the raw read', RAW_TIMEOUT_MS, () => rawRead(run.eventFile));
  if (read.count !== head) throw new Error(`read ${read.count} events, expected ${head}`);
  const produce = await bounded('the raw produce', RAW_TIMEOUT_MS, () =>
    rawProduce(run, read.envelopes),
  );
  const relay = await startRole('relay', run.env);
  const relayed = await bounded('the relay catch-up', RELAY_TIMEOUT_MS, () =>
    relayCatchUp(readStore, relay, head),
  );
  return { relay, relayed, read, produce, envelopes: read.envelopes };
}

export function relayRows({ relayed, read, produce }: RelayFigure): ThroughputRow[] {
  return [
    [
      'relay: store -> Kafka, checkpoint at head',
      relayed.rate,
      relayed.windowMs,
      relayed.fromSpawnMs,
    ],
    ['  raw SqliteEventStore.readAll, pages of 500', perSecond(read.count, read.ms), read.ms],
    [
      '  raw kafkajs produce, 500/batch, idempotent, acks=all',
      perSecond(produce.count, produce.ms),
      produce.ms,
    ],
  ];
}
