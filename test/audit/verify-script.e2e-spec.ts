import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { httpClient, type HttpClient } from '../../harness/http-client';
import { type RunningLedger, startLedger } from '../support/ledger-app';
import { removeDataDir } from '../../harness/data-dir';
import { accountWithHistory, getText } from './audit-fixtures';

const SCRIPT = resolve(__dirname, '../../scripts/verify-audit-chain.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { eventHash } = require(SCRIPT) as {
  eventHash: (event: object, previousHash: string) => string;
};

/** Runs the auditor's script as its own Node process, the way an auditor would. */
function runScript(args: string[], stdin?: string) {
  const run = spawnSync(process.execPath, [SCRIPT, ...args], {
    input: stdin,
    encoding: 'utf8',
    timeout: 20000,
  });
  return { status: run.status, stdout: run.stdout.trim(), stderr: run.stderr.trim() };
}

describe('scripts/verify-audit-chain.js on exports from the app', () => {
  let ledger: RunningLedger;
  let http: HttpClient;
  let dir: string;
  let streamId: string;
  let exported: string;
  let headHash: string;

  beforeAll(async () => {
    ledger = await startLedger();
    http = httpClient(ledger.baseUrl);
    dir = mkdtempSync(join(tmpdir(), 'ledgerline-export-'));
    streamId = await accountWithHistory(http, 'exported', 6);
    exported = (await getText(ledger, `/audit/streams/${streamId}`, 'application/x-ndjson')).text;
    headHash = (await http.get(`/audit/streams/${streamId}/verify`)).body.headHash;
  });
  afterAll(async () => {
    await ledger.stop();
    removeDataDir(ledger.dataDir);
    rmSync(dir, { recursive: true, force: true });
  });

  function file(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  const lines = () => exported.split('\n').filter((line) => line !== '');

  it('prints OK and the head hash for an untampered export, from a file or stdin', () => {
    const fromFile = runScript([file('intact.ndjson', exported)]);
    const fromStdin = runScript(['-'], exported);

    expect(fromFile).toEqual({
      status: 0,
      stdout: `OK ${streamId} revisions 0..6 head ${headHash}`,
      stderr: '',
    });
    expect(fromStdin).toEqual(fromFile);
  });

  it('names the first broken revision of an edited export', () => {
    const events = lines().map((line) => JSON.parse(line));
    events[3].data.amount = 300;
    const tampered = events.map((event) => JSON.stringify(event)).join('\n');

    const result = runScript([file('edited.ndjson', tampered)]);

    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^BROKEN ${streamId} at revision 3: hash mismatch`));
  });

  it('names the first revision not where it should be when lines are dropped or swapped', () => {
    const all = lines();
    const dropped = [...all.slice(0, 4), ...all.slice(5)].join('\n');
    const swapped = [all[0], all[2], all[1], ...all.slice(3)].join('\n');

    expect(runScript([file('dropped.ndjson', dropped)])).toMatchObject({
      status: 1,
      stdout: expect.stringContaining(`BROKEN ${streamId} at revision 4: missing`),
    });
    expect(runScript([file('swapped.ndjson', swapped)])).toMatchObject({
      status: 1,
      stdout: expect.stringContaining(`BROKEN ${streamId} at revision 1: missing`),
    });
  });

  it('checks a later page given the hash before it, and refuses it without', async () => {
    const first = await getText(
      ledger,
      `/audit/streams/${streamId}?limit=4`,
      'application/x-ndjson',
    );
    const rest = await getText(
      ledger,
      `/audit/streams/${streamId}?cursor=${first.headers.get('x-next-cursor')}`,
      'application/x-ndjson',
    );
    const previous = JSON.parse(lines()[3]).hash;
    const restFile = file('rest.ndjson', rest.text);

    expect(runScript([restFile, '--prev-hash', previous])).toMatchObject({
      status: 0,
      stdout: `OK ${streamId} revisions 4..6 head ${headHash}`,
    });
    expect(runScript([restFile])).toMatchObject({
      status: 1,
      stdout: expect.stringContaining('pass --prev-hash with the hash of revision 3'),
    });
    expect(runScript([restFile, '--prev-hash', '0'.repeat(64)])).toMatchObject({
      status: 1,
      stdout: expect.stringContaining(`BROKEN ${streamId} at revision 4: hash mismatch`),
    });
  });

  it('checks several streams in one file independently', async () => {
    const other = await accountWithHistory(http, 'second', 1);
    const second = (await getText(ledger, `/audit/streams/${other}`, 'application/x-ndjson')).text;

    const result = runScript([file('two.ndjson', exported + second)]);

    expect(result.status).toBe(0);
    expect(result.stdout.split('\n')).toEqual([
      `OK ${streamId} revisions 0..6 head ${headHash}`,
      expect.stringMatching(new RegExp(`^OK ${other} revisions 0..1 head [0-9a-f]{64}$`)),
    ]);
  });

  describe('with anchors and the public keys alone', () => {
    let anchorFile: string;
    let keysFile: string;
    let anchor: Record<string, any>;
    beforeAll(async () => {
      await http.post('/audit/anchors');
      anchor = (await http.get(`/audit/streams/${streamId}/anchor`)).body;
      anchorFile = file('anchor.json', JSON.stringify(anchor));
      const keys = (await httpClient(ledger.baseUrl, null).get('/audit/keys')).body;
      keysFile = file('keys.json', JSON.stringify(keys));
    });

    it('checks the anchor against the export, from the keys as JSON or as PEM', () => {
      const result = runScript([
        file('anchored.ndjson', exported),
        '--keys',
        keysFile,
        '--anchor',
        anchorFile,
      ]);
      const pem = file(
        'keys.pem',
        JSON.parse(readFileSync(keysFile, 'utf8')).keys[0].publicKey as string,
      );

      expect(result).toEqual({
        status: 0,
        stdout:
          `OK ${streamId} revisions 0..6 head ${headHash}\n` +
          `ANCHOR OK ${streamId} revision 6 key ${anchor.keyId} signed ${anchor.anchoredAt}`,
        stderr: '',
      });
      expect(
        runScript([file('anchored.ndjson', exported), '--keys', pem, '--anchor', anchorFile]),
      ).toEqual(result);
    });

    it('refuses an anchor under another key, or one that was altered', () => {
      const { publicKey } = generateKeyPairSync('ed25519');
      const otherKey = file(
        'other.pem',
        publicKey.export({ format: 'pem', type: 'spki' }) as string,
      );
      const altered = file('altered.json', JSON.stringify({ ...anchor, revision: 5 }));
      const exportFile = file('anchored.ndjson', exported);

      expect(runScript([exportFile, '--keys', otherKey, '--anchor', anchorFile])).toMatchObject({
        status: 1,
        stdout: expect.stringContaining(
          `ANCHOR BROKEN ${streamId} revision 6: signed by key ${anchor.keyId}, which is not among the given public keys`,
        ),
      });
      expect(runScript([exportFile, '--keys', keysFile, '--anchor', altered])).toMatchObject({
        status: 1,
        stdout: expect.stringContaining('the signature does not verify'),
      });
    });

    it('finds an export cut short before the anchor, or rewritten and re-hashed', () => {
      const shortened = lines().slice(0, 5).join('\n');
      const events = lines().map((line) => JSON.parse(line));
      events[2].data.amount = 200;
      let previous = '0'.repeat(64);
      for (const event of events) {
        event.hash = eventHash(event, previous);
        previous = event.hash;
      }
      const rewritten = events.map((event) => JSON.stringify(event)).join('\n');

      expect(
        runScript([file('short.ndjson', shortened), '--keys', keysFile, '--anchor', anchorFile]),
      ).toMatchObject({
        status: 1,
        stdout: expect.stringContaining(
          `ANCHOR BROKEN ${streamId} revision 6: the export ends at revision 4`,
        ),
      });
      const result = runScript([
        file('rewritten.ndjson', rewritten),
        '--keys',
        keysFile,
        '--anchor',
        anchorFile,
      ]);
      expect(result.status).toBe(1);
      expect(result.stdout).toMatch(new RegExp(`^OK ${streamId} revisions 0..6`));
      expect(result.stdout).toContain('history was rewritten');
    });

    it('needs the keys to check an anchor', () => {
      expect(runScript([file('anchored.ndjson', exported), '--anchor', anchorFile])).toMatchObject({
        status: 2,
        stderr: expect.stringContaining('--anchor needs --keys'),
      });
    });
  });

  it('exits 2 on input that is not an export', () => {
    expect(runScript([file('junk.ndjson', '{"streamId":"s"}\nnot json\n')]).status).toBe(2);
    expect(runScript([file('empty.ndjson', '')]).status).toBe(2);
    expect(runScript([join(dir, 'absent.ndjson')]).status).toBe(2);
    expect(runScript(['--prev-hash', 'xyz']).status).toBe(2);
  });
});
