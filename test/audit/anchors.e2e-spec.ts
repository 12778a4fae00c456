import canonicalize from 'canonicalize';
import { createHmac } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../support/eventually';
import { httpClient } from '../support/http-client';
import { removeDataDir, type RunningLedger, startLedger, tempDataDir } from '../support/ledger-app';
import { accountWithHistory } from './audit-fixtures';

const AUDIT_ENV = ['AUDIT_ANCHOR_KEY', 'AUDIT_ANCHOR_INTERVAL_MS'] as const;

/** Independent check of an anchor's signature: HMAC-SHA256 over the JCS of the signed fields. */
function signatureOf(key: Buffer | string, anchor: Record<string, unknown>): string {
  const { streamId, revision, hash, anchoredAt } = anchor;
  return createHmac('sha256', key)
    .update(canonicalize({ streamId, revision, hash, anchoredAt })!)
    .digest('hex');
}

describe('audit anchors', () => {
  const saved = Object.fromEntries(AUDIT_ENV.map((name) => [name, process.env[name]]));
  let ledger: RunningLedger | undefined;
  let dataDir: string;

  beforeEach(() => {
    dataDir = tempDataDir();
    for (const name of AUDIT_ENV) delete process.env[name];
  });
  afterEach(async () => {
    await ledger?.stop();
    ledger = undefined;
    removeDataDir(dataDir);
  });
  afterAll(() => {
    for (const name of AUDIT_ENV) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  const anchorOf = (streamId: string) =>
    ledger!.readStore.collection('audit_anchors').findOne({ _id: streamId });

  it('anchors every changed stream periodically, with a development key kept outside the event store', async () => {
    process.env.AUDIT_ANCHOR_INTERVAL_MS = '200';
    ledger = await startLedger(dataDir);
    const http = httpClient(ledger.baseUrl);
    const a = await accountWithHistory(http, 'periodic-a', 2);
    const b = await accountWithHistory(http, 'periodic-b', 0);

    const keyFile = join(dataDir, 'anchor.key');
    const key = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'hex');
    expect(key).toHaveLength(32);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const eventStoreFile = readFileSync(join(dataDir, 'events.sqlite'));
    expect(eventStoreFile.includes(key)).toBe(false);
    expect(eventStoreFile.includes(key.toString('hex'))).toBe(false);

    const anchorA = await eventually(async () => {
      const anchor = await anchorOf(a);
      expect(anchor).toMatchObject({ revision: 2 });
      return anchor!;
    });
    const head = await ledger.eventStore.readStream(a, { direction: 'backwards', maxCount: 1 });
    expect(anchorA.hash).toBe(head[0].hash);
    expect(anchorA.signature).toBe(signatureOf(key, anchorA));
    await eventually(async () => expect(await anchorOf(b)).toMatchObject({ revision: 0 }));

    await http.post('/accounts/periodic-b/deposits', { amount: 5 });
    await eventually(async () => expect(await anchorOf(b)).toMatchObject({ revision: 1 }));
    const runs = await ledger.readStore.collection('audit_anchor_runs').find({});
    expect(runs.every((run) => run.trigger === 'schedule')).toBe(true);
    expect((await httpClient(ledger.baseUrl).get(`/audit/streams/${b}/verify`)).body).toMatchObject(
      { ok: true, headRevision: 1, anchor: { revision: 1 } },
    );
  });

  it('signs with AUDIT_ANCHOR_KEY, and reports anchors signed with another key', async () => {
    process.env.AUDIT_ANCHOR_INTERVAL_MS = '0';
    process.env.AUDIT_ANCHOR_KEY = 'first-key-0123456789-0123456789-0123456789';
    ledger = await startLedger(dataDir);
    let http = httpClient(ledger.baseUrl);
    const streamId = await accountWithHistory(http, 'keyed', 1);
    const run = await http.post('/audit/anchors');
    expect(run.body).toMatchObject({ trigger: 'request', streamsAnchored: 1, skipped: [] });
    const anchor = (await anchorOf(streamId))!;
    expect(anchor.signature).toBe(signatureOf(process.env.AUDIT_ANCHOR_KEY, anchor));
    await ledger.stop();

    process.env.AUDIT_ANCHOR_KEY = 'second-key-0123456789-0123456789-0123456789';
    ledger = await startLedger(dataDir);
    http = httpClient(ledger.baseUrl);

    const verified = await http.get(`/audit/streams/${streamId}/verify`);
    expect(verified.body).toMatchObject({ ok: false, revision: 1, reason: 'anchor-invalid' });
    expect(verified.body.detail).toContain(anchor.keyId);
    const again = await http.post('/audit/anchors');
    expect(again.body.streamsAnchored).toBe(0);
  });

  it('does not anchor on a timer when the interval is 0', async () => {
    process.env.AUDIT_ANCHOR_INTERVAL_MS = '0';
    ledger = await startLedger(dataDir);
    const streamId = await accountWithHistory(httpClient(ledger.baseUrl), 'manual', 0);

    await new Promise((resolve) => setTimeout(resolve, 400));

    expect(await anchorOf(streamId)).toBeNull();
  });
});
