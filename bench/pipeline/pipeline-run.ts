/**
 * One run's own topic, database and temp DATA_DIR on the servers the benchmark found or started,
 * the role processes' environment for them, and their removal at the end.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { bounded } from '../support/bounded';
import { type Infra, stopAllRoles, stopInfra } from '../support/pipeline-stack';
import { settings, TOKEN_SECRET, VISIBLE_TIMEOUT_MS } from './settings';

export interface PipelineRun {
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

export function pipelineRun(infra: Infra): PipelineRun {
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

export function kafkaClient(run: PipelineRun): Kafka {
  return new Kafka({
    clientId: 'bench-pipeline',
    brokers: run.brokers,
    logLevel: logLevel.ERROR,
  });
}

/** Stops the roles, removes the run's topics, database and DATA_DIR, and the servers it started. */
export async function cleanUp(
  run: PipelineRun | undefined,
  infra: Infra | undefined,
): Promise<void> {
  await stopAllRoles().catch((error: unknown) => console.error('stopping roles:', error));
  if (run) {
    rmSync(run.dataDir, { recursive: true, force: true });
    if (infra) {
      const admin = kafkaClient(run).admin();
      await bounded('deleting the topics', 30_000, async () => {
        await admin.connect();
        try {
          const existing = new Set(await admin.listTopics());
          const topics = [run.topic, run.rawTopic].filter((topic) => existing.has(topic));
          if (topics.length > 0) await admin.deleteTopics({ topics });
        } finally {
          await admin.disconnect();
        }
      }).catch((error: unknown) => console.error('deleting topics:', error));
      const client = new MongoClient(run.mongoDbUrl, { serverSelectionTimeoutMS: 2000 });
      await bounded('dropping the database', 30_000, async () => {
        try {
          await client.db(run.database).dropDatabase();
        } finally {
          await client.close();
        }
      }).catch((error: unknown) => console.error('dropping the database:', error));
    }
  }
  if (infra) stopInfra(infra);
}
