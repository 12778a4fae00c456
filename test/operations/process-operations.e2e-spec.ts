import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SqliteEventStore } from '../../src/event-store/embedded/sqlite-event-store';
import { eventually } from '../support/eventually';
import { httpClient } from '../../harness/http-client';
import { removeDataDir, tempDataDir } from '../../harness/data-dir';
import { startLedgerProcess } from '../../harness/ledger-process';
import { STAFF, tokenFor } from '../../harness/tokens';

describe('operating a real process', () => {
  const dataDir = tempDataDir();
  afterAll(() => removeDataDir(dataDir));

  it('follows one correlation id from the answer to the stored event and the projector log', async () => {
    const ledger = await startLedgerProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'debug' });
    try {
      const http = httpClient(ledger.url);
      const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      const opened = await http.post(
        '/accounts',
        { ownerId: 'ops', currency: 'EUR', accountId: 'followed' },
        { 'x-correlation-id': 'follow-me-42', traceparent },
      );
      expect(opened.headers.get('x-correlation-id')).toBe('follow-me-42');
      await http.get(`/accounts/followed?consistentWith=${opened.body.position}`);

      const lines = await eventually(async () => {
        const parsed = ledger
          .output()
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as Record<string, unknown>);
        const applied = parsed.filter(
          (line) => line.msg === 'applied event' && line.correlationId === 'follow-me-42',
        );
        expect(applied.length).toBeGreaterThan(0);
        return parsed;
      });
      const request = lines.find(
        (line) => line.msg === 'request completed' && line.correlationId === 'follow-me-42',
      );
      expect(request).toMatchObject({
        req: { method: 'POST', url: '/accounts' },
        route: '/accounts',
        res: { statusCode: 201 },
        responseTime: expect.any(Number),
        traceparent,
      });
      const applied = lines.find((line) => line.msg === 'applied event')!;
      expect(applied).toMatchObject({ streamId: 'account-followed', revision: 0, traceparent });
      const token = await tokenFor(STAFF.subject, ...STAFF.roles);
      expect(ledger.output()).not.toContain(token.split('.')[2]);
    } finally {
      await ledger.kill('SIGTERM');
    }
    const store = new SqliteEventStore({ file: join(dataDir, 'events.sqlite') });
    try {
      const [event] = await store.readStream('account-followed');
      expect(event.metadata).toMatchObject({ correlationId: 'follow-me-42' });
      expect(event.metadata.traceparent).toBe(
        '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      );
    } finally {
      await store.close();
    }
  }, 90_000);

  it('on SIGTERM fails readiness first, finishes the request in flight, and exits 0', async () => {
    const ledger = await startLedgerProcess({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      DRAIN_DELAY_MS: '1500',
      CONSISTENCY_TIMEOUT_MS: '2500',
    });
    const http = httpClient(ledger.url);
    expect((await http.get('/health/ready')).status).toBe(200);
    // Waits for a position nobody writes: in flight until its 2.5 s bound.
    const inFlight = http.get('/accounts?consistentWith=999999999');
    await sleep(200);
    const exited = ledger.kill('SIGTERM');
    await sleep(300);
    const draining = await http.get('/health/ready');
    expect(draining.status).toBe(503);
    expect(draining.body.detail).toContain('accepting-work');
    const answered = await inFlight;
    expect(answered.status).toBe(503);
    expect(answered.body.code).toBe('CONSISTENCY_TIMEOUT');
    expect(await exited).toBe(0);
  }, 90_000);
});
