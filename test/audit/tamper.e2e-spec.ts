import { randomUUID } from 'node:crypto';
import { httpClient, type HttpClient } from '../../harness/http-client';
import { ledgerForSuite, type RunningLedger } from '../support/ledger-app';
import {
  accountWithHistory,
  getText,
  parseNdjson,
  rehashStream,
  tamperWithEventStore,
} from './audit-fixtures';

/**
 * Each tamper is done straight in the embedded store's SQLite file, as someone with access to the
 * disk would, on a stream of its own; verification through HTTP must name the revision and why.
 */
describe('audit trail: tampering with the event store is detected', () => {
  let ledger: RunningLedger;
  let http: HttpClient;

  ledgerForSuite((started) => {
    ledger = started;
    http = httpClient(ledger.baseUrl);
  });

  async function verify(streamId: string) {
    const answer = await http.get(`/audit/streams/${streamId}/verify`);
    expect(answer.status).toBe(200);
    return answer.body;
  }

  it('verifies an untouched store: every stream from revision 0 to its head', async () => {
    const streamId = await accountWithHistory(http, 'intact', 4);
    const stored = await ledger.eventStore.readStream(streamId);

    expect(await verify(streamId)).toEqual({
      ok: true,
      streamId,
      headRevision: 4,
      headHash: stored[4].hash,
      eventsChecked: 5,
      anchor: null,
    });
    const all = await http.get('/audit/verify');
    expect(all.body).toMatchObject({ streamsChecked: 1, okCount: 1, failedCount: 0, failures: [] });
  });

  it('finds an edited event at its revision', async () => {
    const streamId = await accountWithHistory(http, 'edited');

    tamperWithEventStore(ledger, (db) => {
      db.prepare(
        "UPDATE events SET data = json_set(data, '$.amount', 999999) WHERE stream_id = ? AND revision = 2",
      ).run(streamId);
    });

    expect(await verify(streamId)).toMatchObject({ ok: false, revision: 2, reason: 'edited' });
  });

  it('finds an edited hash, and edited metadata, as edits', async () => {
    const hashed = await accountWithHistory(http, 'edited-hash', 2);
    const actor = await accountWithHistory(http, 'edited-actor', 2);

    tamperWithEventStore(ledger, (db) => {
      db.prepare(
        "UPDATE events SET hash = (CASE WHEN hash LIKE '0%' THEN '1' ELSE '0' END) || substr(hash, 2) WHERE stream_id = ? AND revision = 1",
      ).run(hashed);
      db.prepare(
        "UPDATE events SET metadata = json_set(metadata, '$.actor.subject', 'someone-else') WHERE stream_id = ? AND revision = 0",
      ).run(actor);
    });

    expect(await verify(hashed)).toMatchObject({ ok: false, revision: 1, reason: 'edited' });
    expect(await verify(actor)).toMatchObject({ ok: false, revision: 0, reason: 'edited' });
  });

  it('finds two events swapped, at the first revision out of place', async () => {
    const streamId = await accountWithHistory(http, 'reordered');
    const before = await ledger.eventStore.readStream(streamId);

    tamperWithEventStore(ledger, (db) => {
      const move = db.prepare(
        'UPDATE events SET revision = ? WHERE stream_id = ? AND revision = ?',
      );
      move.run(-1, streamId, 2);
      move.run(2, streamId, 3);
      move.run(3, streamId, -1);
    });

    const after = await ledger.eventStore.readStream(streamId);
    expect(after.map((event) => event.eventId)).toEqual(
      [0, 1, 3, 2, 4, 5].map((revision) => before[revision].eventId),
    );
    const result = await verify(streamId);
    expect(result).toMatchObject({ ok: false, revision: 2, reason: 'reordered' });
    expect(result.detail).toContain(before[2].eventId);
  });

  it('finds a deleted middle event as missing', async () => {
    const streamId = await accountWithHistory(http, 'missing');

    tamperWithEventStore(ledger, (db) => {
      db.prepare('DELETE FROM events WHERE stream_id = ? AND revision = 3').run(streamId);
    });

    expect(await verify(streamId)).toMatchObject({ ok: false, revision: 3, reason: 'missing' });
  });

  it('finds a truncated tail against the latest anchor', async () => {
    const streamId = await accountWithHistory(http, 'truncated');
    const anchored = await http.post('/audit/anchors');
    expect(anchored.status).toBe(201);
    expect(await verify(streamId)).toMatchObject({
      ok: true,
      headRevision: 5,
      anchor: { revision: 5 },
    });

    tamperWithEventStore(ledger, (db) => {
      db.prepare('DELETE FROM events WHERE stream_id = ? AND revision >= 3').run(streamId);
    });

    expect(await verify(streamId)).toMatchObject({ ok: false, revision: 3, reason: 'truncated' });
  });

  it('finds a stream deleted outright, which only its anchor remembers', async () => {
    const streamId = await accountWithHistory(http, 'vanished', 1);
    await http.post('/audit/anchors');

    tamperWithEventStore(ledger, (db) => {
      db.prepare('DELETE FROM events WHERE stream_id = ?').run(streamId);
    });

    expect(await verify(streamId)).toMatchObject({ ok: false, revision: 0, reason: 'truncated' });
  });

  it('finds history that was edited and re-hashed, against the anchor', async () => {
    const streamId = await accountWithHistory(http, 'rewritten');
    await http.post('/audit/anchors');

    tamperWithEventStore(ledger, (db) => {
      db.prepare(
        "UPDATE events SET data = json_set(data, '$.amount', 5000) WHERE stream_id = ? AND revision = 1",
      ).run(streamId);
      rehashStream(db, streamId);
    });

    expect(await verify(streamId)).toMatchObject({ ok: false, revision: 5, reason: 'rewritten' });
  });

  it('reports an anchor whose signature fails', async () => {
    const streamId = await accountWithHistory(http, 'forged-anchor', 2);
    await http.post('/audit/anchors');

    await ledger.readStore
      .collection('audit_anchors')
      .updateOne({ _id: streamId }, { $set: { revision: 7 } });

    expect(await verify(streamId)).toMatchObject({
      ok: false,
      revision: 7,
      reason: 'anchor-invalid',
    });
  });

  it('lists every failure in the store-wide check, and only those', async () => {
    const untouched = await accountWithHistory(http, 'bystander', 2);

    const summary = (await http.get('/audit/verify')).body;

    const reasons = Object.fromEntries(
      summary.failures.map((failure: any) => [
        failure.streamId,
        [failure.revision, failure.reason],
      ]),
    );
    expect(reasons).toEqual({
      'account-edited': [2, 'edited'],
      'account-edited-hash': [1, 'edited'],
      'account-edited-actor': [0, 'edited'],
      'account-reordered': [2, 'reordered'],
      'account-missing': [3, 'missing'],
      'account-truncated': [3, 'truncated'],
      'account-vanished': [0, 'truncated'],
      'account-rewritten': [5, 'rewritten'],
      'account-forged-anchor': [7, 'anchor-invalid'],
    });
    expect(summary).toMatchObject({
      streamsChecked: 11,
      okCount: 2,
      failedCount: 9,
    });
    expect(await verify(untouched)).toMatchObject({ ok: true, headRevision: 2 });
  });

  it('does not vouch for a broken stream when anchoring', async () => {
    const streamId = await accountWithHistory(http, 'broken-before-anchor', 2);
    tamperWithEventStore(ledger, (db) => {
      db.prepare(
        "UPDATE events SET data = json_set(data, '$.amount', 7) WHERE stream_id = ? AND revision = 1",
      ).run(streamId);
    });

    const run = await http.post('/audit/anchors');

    expect(run.body.skipped).toEqual([{ streamId, revision: 1, reason: 'edited' }]);
    expect(
      await ledger.readStore.collection('audit_anchors').findOne({ _id: streamId }),
    ).toBeNull();
  });

  it('verifies and exports an event of an older schema version as stored, not as upcast', async () => {
    const streamId = await accountWithHistory(http, 'old-schema', 1);
    await ledger.eventStore.append(
      streamId,
      [
        {
          eventId: randomUUID(),
          type: 'MoneyDeposited',
          schemaVersion: 1,
          data: { amount: 7, balanceAfter: 8 },
          metadata: {
            actor: { subject: 'migrated', roles: [] },
            correlationId: 'old-schema',
            causationId: 'old-schema',
            commandId: 'old-schema',
          },
        },
      ],
      1,
    );

    const lifted = await ledger.eventStore.readStream(streamId, { fromRevision: 2 });
    const exported = parseNdjson(
      (await getText(ledger, `/audit/streams/${streamId}`, 'application/x-ndjson')).text,
    );

    expect(lifted[0].schemaVersion).toBe(2);
    expect(exported[2]).toMatchObject({ schemaVersion: 1, data: { amount: 7, balanceAfter: 8 } });
    expect(exported[2].hash).toBe(lifted[0].hash);
    expect(await verify(streamId)).toMatchObject({ ok: true, headRevision: 2 });
  });

  it('exports NDJSON that parses back to the stored events', async () => {
    const streamId = await accountWithHistory(http, 'exported', 3);

    const exported = await getText(ledger, `/audit/streams/${streamId}`, 'application/x-ndjson');

    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(parseNdjson(exported.text)).toStrictEqual(
      JSON.parse(JSON.stringify(await ledger.eventStore.readStream(streamId))),
    );
    expect(await verify(streamId)).toMatchObject({ ok: true });
  });
});
