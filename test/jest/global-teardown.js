const { execFileSync } = require('node:child_process');
const { resolve } = require('node:path');

/** Stops the servers global-setup started; servers someone started by hand keep running. */
module.exports = async function globalTeardown() {
  if (process.env.LEDGER_TEST_STOP_INFRA !== 'yes') return;
  execFileSync('bash', [resolve(__dirname, '../../infra/infra.sh'), 'down'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
};
