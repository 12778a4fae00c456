// Waits until a Kafka broker serves clients: cluster metadata, a topic whose partitions have
// leaders, and a group coordinator. An open port is not enough: for a few seconds after start the
// broker answers "coordinator is loading" and consumer groups cannot join.
// Usage: node infra/wait-for-kafka.js <brokers> [timeout seconds] [server pid]
// Exits 0 when ready, 1 on timeout, 2 when the server process has exited.
'use strict';

async function main() {
  const [brokers, timeoutSeconds = '60', pid] = process.argv.slice(2);
  // Dynamic imports keep this a plain script that the TypeScript-minded lint config accepts.
  const { Kafka, logLevel } = await import('kafkajs');
  const { setTimeout: sleep } = await import('node:timers/promises');
  const kafka = new Kafka({
    clientId: 'infra-wait-for-kafka',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    retry: { retries: 2, initialRetryTime: 200 },
  });
  const deadline = Date.now() + Number(timeoutSeconds) * 1000;
  let lastError;
  while (Date.now() < deadline) {
    if (pid && !isAlive(Number(pid))) {
      console.error(`kafka: server process ${pid} has exited`);
      return 2;
    }
    const admin = kafka.admin();
    try {
      await admin.connect();
      await probe(admin);
      return 0;
    } catch (error) {
      lastError = error;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await sleep(500);
  }
  console.error(`kafka at ${brokers} not ready within ${timeoutSeconds}s: ${lastError?.message}`);
  return 1;
}

async function probe(admin) {
  await admin.describeCluster();
  const topic = `infra-probe-${process.pid}-${Date.now()}`;
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    // Reading a group's offsets goes through the group coordinator, as joining a group does.
    await admin.fetchOffsets({ groupId: `${topic}-group`, topics: [topic] });
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

main().then((code) => {
  process.exitCode = code;
});
