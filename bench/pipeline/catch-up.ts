/** How a role's catch-up is timed: from the checkpoints its consumers store in the read store. */
import type { MongoReadStore } from '../../src/read-store/mongodb/mongo-read-store';
import type { Checkpoint } from '../../src/subscriptions/checkpoint-store';

export interface Rate {
  count: number;
  ms: number;
}

export interface CatchUp {
  /** From the first sample that saw progress to done: the steady rate. */
  rate: number;
  windowMs: number;
  /** From spawn to done: start-up (ts-node, Nest, Kafka, group joins) included. */
  fromSpawnMs: number;
}

/** One line of the throughput table: label, events/s, window ms and, for a role, from spawn. */
export type ThroughputRow = [label: string, rate: number, ms: number, fromSpawnMs?: number];

export async function checkpoints(
  store: MongoReadStore,
  ids: string[],
): Promise<Map<string, Checkpoint>> {
  const found = await store.collection<Checkpoint>('checkpoints').find({ _id: { $in: ids } });
  return new Map(found.map((checkpoint) => [checkpoint._id, checkpoint]));
}
