import { eventually } from '../support/eventually';
import { httpClient, type HttpClient } from '../../harness/http-client';
import { ledgerForSuite, type RunningLedger } from '../support/ledger-app';
import { accountWithHistory, getText, parseNdjson } from './audit-fixtures';

describe('audit trail over HTTP', () => {
  let ledger: RunningLedger;
  let http: HttpClient;

  ledgerForSuite((started) => {
    ledger = started;
    http = httpClient(ledger.baseUrl);
  });

  const stored = (streamId: string) =>
    ledger.eventStore.readStream(streamId).then((events) => JSON.parse(JSON.stringify(events)));

  describe('GET /audit/streams/{id}', () => {
    it('answers the full history with every envelope field, paged by cursor', async () => {
      const streamId = await accountWithHistory(http, 'paged', 4);

      const first = await http.get(`/audit/streams/${streamId}?limit=2`);
      const second = await http.get(
        `/audit/streams/${streamId}?limit=2&cursor=${first.body.nextCursor}`,
      );
      const third = await http.get(
        `/audit/streams/${streamId}?limit=2&cursor=${second.body.nextCursor}`,
      );

      expect(first.status).toBe(200);
      expect(first.body.streamId).toBe(streamId);
      expect(third.body.nextCursor).toBeNull();
      const items = [...first.body.items, ...second.body.items, ...third.body.items];
      expect(items).toStrictEqual(await stored(streamId));
      expect(Object.keys(items[0]).sort()).toEqual(
        [
          'data',
          'eventId',
          'hash',
          'metadata',
          'position',
          'recordedAt',
          'revision',
          'schemaVersion',
          'streamId',
          'type',
        ].sort(),
      );
      expect(Object.keys(items[0].metadata)).toEqual(
        expect.arrayContaining(['actor', 'correlationId', 'causationId', 'commandId']),
      );
      const all = await http.get(`/audit/streams/${streamId}`);
      expect(all.body).toEqual({ streamId, items, nextCursor: null });
    });

    it('exports NDJSON and CSV, whole or a page at a time', async () => {
      const streamId = await accountWithHistory(http, 'export', 3);
      const events = await stored(streamId);

      const ndjson = await getText(ledger, `/audit/streams/${streamId}`, 'application/x-ndjson');
      const page = await getText(
        ledger,
        `/audit/streams/${streamId}?limit=3`,
        'application/x-ndjson',
      );
      const rest = await getText(
        ledger,
        `/audit/streams/${streamId}?cursor=${page.headers.get('x-next-cursor')}`,
        'application/x-ndjson',
      );
      const csv = await getText(ledger, `/audit/streams/${streamId}`, 'text/csv');

      expect(parseNdjson(ndjson.text)).toStrictEqual(events);
      expect(ndjson.headers.get('content-disposition')).toBe(
        `attachment; filename="${streamId}.ndjson"`,
      );
      expect([...parseNdjson(page.text), ...parseNdjson(rest.text)]).toStrictEqual(events);
      expect(rest.headers.get('x-next-cursor')).toBeNull();

      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      const rows = csv.text.split('\r\n').filter((line) => line !== '');
      expect(rows[0]).toBe(
        'position,streamId,revision,eventId,type,schemaVersion,recordedAt,actor,actorRoles,' +
          'correlationId,causationId,commandId,hash,data,metadata',
      );
      expect(rows).toHaveLength(events.length + 1);
      const [position, stream, revision, eventId, type, , recordedAt, actor, roles, , , , hash] =
        rows[2].split(',');
      expect({ position, stream, revision, eventId, type, recordedAt, actor, hash }).toEqual({
        position: String(events[1].position),
        stream: streamId,
        revision: '1',
        eventId: events[1].eventId,
        type: events[1].type,
        recordedAt: events[1].recordedAt,
        // The audit trail is the stored form: the actor is sealed, and named by its blind index.
        actor: (events[1].metadata.actor.subject as unknown as { subject: string }).subject,
        hash: events[1].hash,
      });
      expect(roles).toBe(events[1].metadata.actor.roles.join(';'));
      // JSON columns are quoted, their quotes doubled.
      expect(rows[2]).toContain(`"${JSON.stringify(events[1].data).replace(/"/g, '""')}"`);
    });

    it('refuses what it cannot serve with stable problem codes', async () => {
      const streamId = await accountWithHistory(http, 'refusals', 1);
      const cases: [string, Record<string, string>, number, string][] = [
        ['/audit/streams/account-nobody', {}, 404, 'STREAM_NOT_FOUND'],
        ['/audit/streams/account-nobody/verify', {}, 404, 'STREAM_NOT_FOUND'],
        ['/audit/streams/-leading-dash', {}, 400, 'INVALID_STREAM_ID'],
        ['/audit/streams/a%20b/verify', {}, 400, 'INVALID_STREAM_ID'],
        [`/audit/streams/${streamId}?limit=1001`, {}, 400, 'VALIDATION_FAILED'],
        [`/audit/streams/${streamId}?limit=0`, {}, 400, 'VALIDATION_FAILED'],
        [`/audit/streams/${streamId}?cursor=not-a-cursor`, {}, 400, 'INVALID_CURSOR'],
        [`/audit/streams/${streamId}?format=xml`, {}, 400, 'VALIDATION_FAILED'],
        [`/audit/streams/${streamId}`, { accept: 'application/xml' }, 406, 'NOT_ACCEPTABLE'],
        ['/audit/correlations/nothing-here', {}, 404, 'CORRELATION_NOT_FOUND'],
        [`/audit/correlations/${'x'.repeat(129)}`, {}, 400, 'INVALID_CORRELATION_ID'],
        ['/audit/reads?cursor=bad', {}, 400, 'INVALID_CURSOR'],
        ['/audit/reads?streamId=no%20spaces', {}, 400, 'VALIDATION_FAILED'],
      ];
      for (const [path, headers, status, code] of cases) {
        const answer = await http.get(path, headers);
        expect({ path, status: answer.status, code: answer.body?.code }).toEqual({
          path,
          status,
          code,
        });
        expect(answer.headers.get('content-type')).toContain('application/problem+json');
      }
      // A cursor of one endpoint is not accepted by another.
      const page = await http.get(`/audit/streams/${streamId}?limit=1`);
      const crossed = await http.get(`/audit/correlations/any?cursor=${page.body.nextCursor}`);
      expect(crossed.body.code).toBe('INVALID_CURSOR');
    });
  });

  describe('GET /audit/correlations/{id}', () => {
    it('answers every event of one business operation across streams, in global order', async () => {
      await accountWithHistory(http, 'corr-from', 1);
      await accountWithHistory(http, 'corr-to', 0);
      const correlation = { 'x-correlation-id': 'transfer-op-1' };
      const accepted = await http.post(
        '/transfers',
        { fromAccountId: 'corr-from', toAccountId: 'corr-to', amount: 1 },
        correlation,
      );
      expect(accepted.status).toBe(202);
      const transferStream = `transfer-${accepted.body.transferId}`;

      const operation = await eventually(async () => {
        const answer = await http.get('/audit/correlations/transfer-op-1');
        expect(answer.body.items.map((event: any) => event.type)).toContain('TransferCompleted');
        return answer.body;
      });

      expect(operation.correlationId).toBe('transfer-op-1');
      const streams = new Set(operation.items.map((event: any) => event.streamId));
      expect(streams).toEqual(new Set([transferStream, 'account-corr-from', 'account-corr-to']));
      const positions = operation.items.map((event: any) => event.position);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      expect(
        operation.items.every((event: any) => event.metadata.correlationId === 'transfer-op-1'),
      ).toBe(true);
      const log = JSON.parse(JSON.stringify(await ledger.eventStore.readAll()));
      expect(operation.items).toStrictEqual(
        log.filter((event: any) => event.metadata.correlationId === 'transfer-op-1'),
      );

      const first = await http.get('/audit/correlations/transfer-op-1?limit=2');
      const rest = await http.get(
        `/audit/correlations/transfer-op-1?cursor=${first.body.nextCursor}`,
      );
      expect([...first.body.items, ...rest.body.items]).toStrictEqual(operation.items);
      const ndjson = await getText(
        ledger,
        '/audit/correlations/transfer-op-1',
        'application/x-ndjson',
      );
      expect(parseNdjson(ndjson.text)).toStrictEqual(operation.items);
    });
  });

  describe('GET /audit/reads', () => {
    it('records every audit read: who, what, when and under which correlation id', async () => {
      const streamId = await accountWithHistory(http, 'watched', 1);
      const session = { 'x-correlation-id': 'auditor-session-7' };

      await http.get(`/audit/streams/${streamId}`, session);
      await http.get(`/audit/streams/${streamId}/verify`, session);
      await getText(ledger, `/audit/streams/${streamId}`, 'text/csv');
      await http.get('/audit/correlations/transfer-op-1', session);
      const before = Date.now();

      const reads = await http.get(`/audit/reads?streamId=${streamId}`, session);

      expect(reads.status).toBe(200);
      expect(reads.body.items).toEqual([
        expect.objectContaining({ action: 'read-stream', streamId, format: 'csv' }),
        expect.objectContaining({
          action: 'verify-stream',
          streamId,
          requestCorrelationId: 'auditor-session-7',
        }),
        {
          _id: expect.any(String),
          at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          actor: { subject: 'staff', roles: expect.arrayContaining(['auditor']) },
          action: 'read-stream',
          streamId,
          format: 'json',
          requestCorrelationId: 'auditor-session-7',
          method: 'GET',
          path: `/audit/streams/${streamId}`,
        },
      ]);
      expect(Date.parse(reads.body.items[2].at)).toBeLessThanOrEqual(before);

      const all = await http.get('/audit/reads?limit=2');
      expect(all.body.items[0]).toMatchObject({
        action: 'list-reads',
        path: '/audit/reads?limit=2',
      });
      expect(all.body.items[1]).toMatchObject({
        action: 'list-reads',
        path: `/audit/reads?streamId=${streamId}`,
      });
      const next = await http.get(`/audit/reads?limit=2&cursor=${all.body.nextCursor}`);
      expect(next.body.items[0]).toMatchObject({
        action: 'read-correlation',
        correlationId: 'transfer-op-1',
      });
      const byCorrelation = await http.get('/audit/reads?correlationId=transfer-op-1');
      expect(
        byCorrelation.body.items.every((read: any) => read.action === 'read-correlation'),
      ).toBe(true);
    });

    it('records reads that found nothing, too', async () => {
      await http.get('/audit/streams/account-ghost');

      const reads = await http.get('/audit/reads?streamId=account-ghost');

      expect(reads.body.items).toEqual([
        expect.objectContaining({ action: 'read-stream', streamId: 'account-ghost' }),
      ]);
    });
  });
});
