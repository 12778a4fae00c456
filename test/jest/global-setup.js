/**
 * Integration specs run against real Kafka and MongoDB-wire servers. Unless the environment
 * already names them, `infra/infra.sh up` starts them (and global-teardown stops what this run
 * started). A machine that cannot start them fails the run here, loudly.
 */
const { execFileSync } = require('node:child_process');
const { resolve } = require('node:path');

const script = resolve(__dirname, '../../infra/infra.sh');

module.exports = async function globalSetup() {
  if (process.env.KAFKA_BROKERS && process.env.MONGODB_URL) return;
  let runningBefore = true;
  try {
    execFileSync('bash', [script, 'running'], { stdio: 'ignore' });
  } catch {
    runningBefore = false;
  }
  const exports = execFileSync('bash', [script, 'up'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for (const [, name, value] of exports.matchAll(/^export (\w+)=(.*)$/gm)) {
    process.env[name] = value;
  }
  process.env.LEDGER_TEST_STOP_INFRA = runningBefore ? '' : 'yes';
};
