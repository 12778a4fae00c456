import { removeDataDir, tempDataDir } from '../../harness/data-dir';
import { type LedgerProcess, startLedgerProcess } from '../../harness/ledger-process';
import { eventually } from '../support/eventually';
import { STAFF, tokenFor } from '../../harness/tokens';

describe('the request log', () => {
  const dataDir = tempDataDir();
  let ledger: LedgerProcess;

  beforeAll(async () => {
    ledger = await startLedgerProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'info' });
  }, 60_000);
  afterAll(async () => {
    await ledger.kill('SIGTERM');
    removeDataDir(dataDir);
  });

  it('never holds a token sent in a query string, nor any other query value', async () => {
    const token = await tokenFor(STAFF.subject, ...STAFF.roles);
    const signature = token.split('.')[2];
    const refused = await fetch(`${ledger.url}/accounts?access_token=${token}`);
    expect(refused.status).toBe(401);
    const listed = await fetch(`${ledger.url}/accounts?ownerId=secret-owner`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(listed.status).toBe(200);

    const lines = await eventually(async () => {
      const logged = ledger
        .output()
        .split('\n')
        .filter((line) => line.includes('"url":"/accounts?'));
      expect(logged).toHaveLength(2);
      return logged;
    });
    for (const line of lines) {
      expect(JSON.parse(line).req.url).toBe('/accounts?[redacted]');
    }
    expect(ledger.output()).not.toContain(signature);
    expect(ledger.output()).not.toContain('secret-owner');
  });
});
