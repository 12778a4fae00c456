import canonicalize from 'canonicalize';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  verify,
} from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ReadDocument } from '../../src/read-store/read-store.port';
import { eventually } from '../support/eventually';
import { httpClient } from '../../harness/http-client';
import { type RunningLedger, startLedger } from '../support/ledger-app';
import { removeDataDir, tempDataDir } from '../../harness/data-dir';
import { accountWithHistory } from './audit-fixtures';

const AUDIT_ENV = [
  'AUDIT_SIGNING_KEY',
  'AUDIT_RETIRED_PUBLIC_KEYS',
  'AUDIT_ANCHOR_INTERVAL_MS',
] as const;

/** Independent check of an anchor: Ed25519 over the JCS of the signed fields, public key only. */
function signedBy(publicKey: KeyObject | string, anchor: Record<string, unknown>): boolean {
  const { streamId, revision, hash, anchoredAt } = anchor;
  return verify(
    null,
    Buffer.from(canonicalize({ streamId, revision, hash, anchoredAt })!),
    typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey,
    Buffer.from(anchor.signature as string, 'hex'),
  );
}

function keyPair(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
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
  const publishedKeys = async () =>
    (await httpClient(ledger!.baseUrl, null).get('/audit/keys')).body.keys;

  it('anchors every changed stream periodically, with a development key kept outside the event store', async () => {
    process.env.AUDIT_ANCHOR_INTERVAL_MS = '200';
    ledger = await startLedger(dataDir);
    const http = httpClient(ledger.baseUrl);
    const a = await accountWithHistory(http, 'periodic-a', 2);
    const b = await accountWithHistory(http, 'periodic-b', 0);

    const keyFile = join(dataDir, 'anchor-signing.pem');
    const keyPem = readFileSync(keyFile, 'utf8');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const eventStoreFile = readFileSync(join(dataDir, 'events.sqlite'));
    const privateDer = createPrivateKey(keyPem).export({ format: 'der', type: 'pkcs8' });
    expect(eventStoreFile.includes(keyPem.split('\n')[1])).toBe(false);
    expect(eventStoreFile.includes(privateDer)).toBe(false);

    const anchorA = await eventually(async () => {
      const anchor = await anchorOf(a);
      expect(anchor).toMatchObject({ revision: 2, algorithm: 'Ed25519' });
      return anchor!;
    });
    const head = await ledger.eventStore.readStream(a, { direction: 'backwards', maxCount: 1 });
    expect(anchorA.hash).toBe(head[0].hash);
    const [published] = await publishedKeys();
    expect(published).toMatchObject({ keyId: anchorA.keyId, status: 'current' });
    expect(signedBy(published.publicKey, anchorA)).toBe(true);
    expect(signedBy(createPublicKey(keyPem), anchorA)).toBe(true);
    await eventually(async () => expect(await anchorOf(b)).toMatchObject({ revision: 0 }));

    await http.post('/accounts/periodic-b/deposits', { amount: 5 });
    await eventually(async () => expect(await anchorOf(b)).toMatchObject({ revision: 1 }));
    const runs = await ledger.readStore.collection('audit_anchor_runs').find({});
    expect(runs.every((run) => run.trigger === 'schedule')).toBe(true);
    expect((await httpClient(ledger.baseUrl).get(`/audit/streams/${b}/verify`)).body).toMatchObject(
      { ok: true, headRevision: 1, anchor: { revision: 1 } },
    );
  });

  it('verifies with the published public key alone, and not with another key', async () => {
    process.env.AUDIT_ANCHOR_INTERVAL_MS = '0';
    const signing = keyPair();
    process.env.AUDIT_SIGNING_KEY = signing.privatePem;
    ledger = await startLedger(dataDir);
    const http = httpClient(ledger.baseUrl);
    const streamId = await accountWithHistory(http, 'public', 1);
    expect((await http.get(`/audit/streams/${streamId}/anchor`)).body).toMatchObject({
      status: 404,
      code: 'ANCHOR_NOT_FOUND',
    });

    await http.post('/audit/anchors');
    const anchor = (await http.get(`/audit/streams/${streamId}/anchor`)).body;

    expect(anchor).toEqual({
      streamId,
      revision: 1,
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      anchoredAt: expect.any(String),
      algorithm: 'Ed25519',
      keyId: expect.stringMatching(/^[0-9a-f]{16}$/),
      signature: expect.stringMatching(/^[0-9a-f]{128}$/),
      runId: expect.any(String),
    });
    const keys = await publishedKeys();
    expect(keys).toEqual([
      {
        keyId: anchor.keyId,
        algorithm: 'Ed25519',
        status: 'current',
        publicKey: signing.publicPem,
        jwk: { kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: anchor.keyId },
      },
    ]);
    expect(signedBy(keys[0].publicKey, anchor)).toBe(true);
    expect(signedBy(createPublicKey({ key: keys[0].jwk, format: 'jwk' }), anchor)).toBe(true);
    expect(signedBy(keyPair().publicPem, anchor)).toBe(false);
    expect(signedBy(keys[0].publicKey, { ...anchor, revision: 0 })).toBe(false);
  });

  it('keeps anchors of a retired key valid after rotation, and reports them once it is dropped', async () => {
    process.env.AUDIT_ANCHOR_INTERVAL_MS = '0';
    const first = keyPair();
    const second = keyPair();
    process.env.AUDIT_SIGNING_KEY = first.privatePem;
    ledger = await startLedger(dataDir);
    let http = httpClient(ledger.baseUrl);
    const old = await accountWithHistory(http, 'rotated-old', 1);
    const busy = await accountWithHistory(http, 'rotated-busy', 1);
    await http.post('/audit/anchors');
    const firstKeyId = (await anchorOf(old))!.keyId;
    await ledger.stop();

    process.env.AUDIT_SIGNING_KEY = second.privatePem;
    process.env.AUDIT_RETIRED_PUBLIC_KEYS = first.publicPem;
    ledger = await startLedger(dataDir);
    http = httpClient(ledger.baseUrl);
    await http.post('/accounts/rotated-busy/deposits', { amount: 3 });
    const run = await http.post('/audit/anchors');

    expect(run.body).toMatchObject({ streamsAnchored: 1, skipped: [] });
    const secondKeyId = (await anchorOf(busy))!.keyId;
    expect(secondKeyId).not.toBe(firstKeyId);
    expect(await anchorOf(old)).toMatchObject({ keyId: firstKeyId, revision: 1 });
    expect((await http.get('/audit/verify')).body).toMatchObject({ okCount: 2, failedCount: 0 });
    const keys = await publishedKeys();
    expect(keys.map((key: any) => [key.keyId, key.status])).toEqual([
      [secondKeyId, 'current'],
      [firstKeyId, 'retired'],
    ]);
    expect(signedBy(keys[1].publicKey, (await anchorOf(old))!)).toBe(true);
    expect(signedBy(keys[0].publicKey, (await anchorOf(busy))!)).toBe(true);
    await ledger.stop();

    delete process.env.AUDIT_RETIRED_PUBLIC_KEYS;
    ledger = await startLedger(dataDir);
    http = httpClient(ledger.baseUrl);

    const verified = await http.get(`/audit/streams/${old}/verify`);
    expect(verified.body).toMatchObject({ ok: false, revision: 1, reason: 'anchor-invalid' });
    expect(verified.body.detail).toContain(`names key ${firstKeyId}, which is neither`);
    expect((await http.get(`/audit/streams/${busy}/verify`)).body).toMatchObject({ ok: true });
    const again = await http.post('/audit/anchors');
    expect(again.body.streamsAnchored).toBe(0);
  });

  it('re-signs an HMAC anchor from before Ed25519 once the chain agrees with it', async () => {
    process.env.AUDIT_ANCHOR_INTERVAL_MS = '0';
    ledger = await startLedger(dataDir);
    const http = httpClient(ledger.baseUrl);
    const agrees = await accountWithHistory(http, 'legacy-agrees', 2);
    const disagrees = await accountWithHistory(http, 'legacy-disagrees', 2);
    await http.post('/audit/anchors');
    const anchors = ledger.readStore.collection('audit_anchors');
    const legacy = (anchor: ReadDocument) => {
      const { algorithm: _, ...rest } = anchor;
      return { ...rest, keyId: '0123456789abcdef', signature: 'ab'.repeat(32) };
    };
    await anchors.replaceOne({ _id: agrees }, legacy((await anchorOf(agrees))!));
    await anchors.replaceOne(
      { _id: disagrees },
      { ...legacy((await anchorOf(disagrees))!), hash: 'f'.repeat(64) },
    );

    const before = (await http.get(`/audit/streams/${agrees}/verify`)).body;
    expect(before).toMatchObject({ ok: false, reason: 'anchor-invalid' });
    expect(before.detail).toContain('HMAC anchor from before Ed25519');

    const run = await http.post('/audit/anchors');

    expect(run.body).toMatchObject({
      streamsAnchored: 1,
      skipped: [{ streamId: disagrees, revision: 2, reason: 'rewritten' }],
    });
    expect(await anchorOf(agrees)).toMatchObject({ algorithm: 'Ed25519', revision: 2 });
    expect((await http.get(`/audit/streams/${agrees}/verify`)).body).toMatchObject({ ok: true });
  });

  it('does not anchor on a timer when the interval is 0', async () => {
    process.env.AUDIT_ANCHOR_INTERVAL_MS = '0';
    ledger = await startLedger(dataDir);
    const streamId = await accountWithHistory(httpClient(ledger.baseUrl), 'manual', 0);

    await new Promise((resolve) => setTimeout(resolve, 400));

    expect(await anchorOf(streamId)).toBeNull();
  });
});
