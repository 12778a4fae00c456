// Waits until a MongoDB-wire server answers a ping through the driver the application uses, which
// also checks that the server reports a wire version the driver accepts.
// Usage: node infra/wait-for-mongo.js <mongodb url> [timeout seconds] [server pid]
// Exits 0 when ready, 1 on timeout, 2 when the server process has exited.
'use strict';

async function main() {
  const [url, timeoutSeconds = '60', pid] = process.argv.slice(2);
  // Dynamic imports keep this a plain script that the TypeScript-minded lint config accepts.
  const { MongoClient } = await import('mongodb');
  const { setTimeout: sleep } = await import('node:timers/promises');
  const deadline = Date.now() + Number(timeoutSeconds) * 1000;
  let lastError;
  while (Date.now() < deadline) {
    if (pid && !isAlive(Number(pid))) {
      console.error(`mongo-wire: server process ${pid} has exited`);
      return 2;
    }
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 1000 });
    try {
      await client.db().command({ ping: 1 });
      return 0;
    } catch (error) {
      lastError = error;
    } finally {
      await client.close().catch(() => undefined);
    }
    await sleep(250);
  }
  console.error(`mongo-wire at ${url} not ready within ${timeoutSeconds}s: ${lastError?.message}`);
  return 1;
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
