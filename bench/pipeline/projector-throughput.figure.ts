/**
 * Projector throughput: with the relay done, only LEDGER_ROLE=projector, timed until the
 * checkpoints of the three projections and the transfer process manager reach the head (by
 * `position`, and by offsets covering the relay's partition ends); beside it a kafkajs consumer
 * over the same topic and N replaceOne upserts through MongoReadStore.bulkWrite, by _id and with
 * the projections' guard.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { idFromStream } from '../../src/domain/stream-names';
import type { EventEnvelope } from '../../src/event-store/event-envelope';
import { MongoReadStore } from '../../src/read-store/mongodb/mongo-read-store';
import type { BulkWriteOperation, ReadDocument } from '../../src/read-store/read-store.port';
import type { Checkpoint } from '../../src/subscriptions/checkpoint-store';
import { bounded } from '../support/bounded';
import { fmt, now, perSecond } from '../support/figures';
import { type RoleProcess, startRole } from '../support/pipeline-stack';
import { type CatchUp, checkpoints, type Rate, type ThroughputRow } from './catch-up';
import { kafkaClient, type PipelineRun } from './pipeline-run';
import {
  BATCH,
  CONSUMERS,
  GUARDED_TIMEOUT_MS,
  PROJECTOR_TIMEOUT_MS,
  RAW_TIMEOUT_MS,
  SAMPLE_MS,
} from './settings';

interface ProjectorCatchUp {
  /** Every consumer's `position` (the highest it has seen) ≥ head. */
  byPosition: CatchUp;
  /** Every consumer's offsets cover the relay's partition ends: nothing left anywhere. */
  byOffsets: CatchUp;
  finishedAt: Record<string, number>;
}

export interface ProjectorFigure {
  projector: RoleProcess;
  projected: ProjectorCatchUp;
  consume: Rate & { withJoinMs: number };
  upserts: Rate;
  guardedUpserts: Rate;
}

/** A new group reading the relay's topic from the beginning, without parsing the messages. */
async function rawConsume(
  run: PipelineRun,
  expected: number,
): Promise<Rate & { withJoinMs: number }> {
  const consumer = kafkaClient(run).consumer({
    groupId: `bench-pipeline-raw-${run.run}`,
    maxWaitTimeInMs: 100,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: run.topic, fromBeginning: true });
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
  run: PipelineRun,
  envelopes: EventEnvelope[],
  guarded: boolean,
): Promise<Rate> {
  const store = new MongoReadStore({ url: run.mongoDbUrl });
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

/** Messages a consumer has handled, from its per-partition offsets (the topic starts at 0). */
function handled(checkpoint: Checkpoint | undefined): number {
  return Object.values(checkpoint?.offsets ?? {}).reduce((sum, offset) => sum + offset + 1, 0);
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

/** The raw consume and upserts over what the relay sent, then the projector (it stays running). */
export async function measureProjector(
  run: PipelineRun,
  readStore: MongoReadStore,
  head: number,
  envelopes: EventEnvelope[],
  partitionEnds: Record<string, number>,
): Promise<ProjectorFigure> {
  const consume = await bounded('the raw consume', RAW_TIMEOUT_MS, () => rawConsume(run, head));
  const upserts = await bounded('the raw upserts', RAW_TIMEOUT_MS, () =>
    rawUpserts(run, envelopes, false),
  );
  const guardedUpserts = await bounded('the guarded raw upserts', GUARDED_TIMEOUT_MS, () =>
    rawUpserts(run, envelopes, true),
  );
  const projector = await startRole('projector', run.env);
  const projected = await bounded('the projector catch-up', PROJECTOR_TIMEOUT_MS, () =>
    projectorCatchUp(readStore, projector, head, partitionEnds),
  );
  return { projector, projected, consume, upserts, guardedUpserts };
}

export function projectorRows({
  projected,
  consume,
  upserts,
  guardedUpserts,
}: ProjectorFigure): ThroughputRow[] {
  return [
    [
      'projector: 4 consumers, every position >= head',
      projected.byPosition.rate,
      projected.byPosition.windowMs,
      projected.byPosition.fromSpawnMs,
    ],
    [
      'projector: 4 consumers, offsets cover relay ends',
      projected.byOffsets.rate,
      projected.byOffsets.windowMs,
      projected.byOffsets.fromSpawnMs,
    ],
    [
      '  raw kafkajs consume (new group, after 1st batch)',
      perSecond(consume.count, consume.ms),
      consume.ms,
      consume.withJoinMs,
    ],
    [
      '  raw MongoReadStore.bulkWrite, 500 upserts, {_id}',
      perSecond(upserts.count, upserts.ms),
      upserts.ms,
    ],
    [
      '  same, {_id, revision: {$lt}} as projections write',
      perSecond(guardedUpserts.count, guardedUpserts.ms),
      guardedUpserts.ms,
    ],
  ];
}

/** When each consumer was done, and the event-handlings all four did together. */
export function projectorNotes({ projected }: ProjectorFigure): string[] {
  return [
    `  projector consumers caught up (ms from spawn): ` +
      CONSUMERS.map((name) => `${name} ${fmt(projected.finishedAt[name])}`).join(', '),
    `  each event is handled by 3 projections + the process manager: ` +
      `${fmt(projected.byOffsets.rate * CONSUMERS.length)} event-handlings/s in all`,
  ];
}
