import { ProjectionConsumers } from '../../src/projecting/projection-consumers';
import { TransferProcessManager } from '../../src/process-managers/transfer-process-manager';
import { ConsumerHost } from '../../src/subscriptions/consumer-host';
import { eventually } from '../support/eventually';
import { httpClient, type HttpClient } from '../../harness/http-client';
import { ledgerForSuite, type RunningLedger } from '../support/ledger-app';
import { STAFF, tokenFor } from '../../harness/tokens';

/** Parses Prometheus text into `name{labels}` → value, the way a scraper reads it. */
async function scrape(http: HttpClient): Promise<Map<string, number>> {
  const response = await fetch(`${(http as unknown as { baseUrl: string }).baseUrl}/metrics`);
  expect(response.headers.get('content-type')).toContain('text/plain');
  const samples = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

const bearer = async () => `Bearer ${await tokenFor(STAFF.subject, ...STAFF.roles)}`;

describe('metrics and readiness', () => {
  let ledger: RunningLedger;
  let http: HttpClient & { baseUrl: string };

  ledgerForSuite(
    (started) => {
      ledger = started;
      http = Object.assign(httpClient(ledger.baseUrl), { baseUrl: ledger.baseUrl });
    },
    { readyMaxLagEvents: 2, consistencyTimeoutMs: 300 },
  );

  it('counts exactly the traffic that was sent, under route templates', async () => {
    await http.post('/accounts', { ownerId: 'm', currency: 'EUR', accountId: 'm-1' });
    await http.post('/accounts/m-1/deposits', { amount: 10 }, { 'idempotency-key': 'k-1' });
    await http.post('/accounts/m-1/deposits', { amount: 10 }, { 'idempotency-key': 'k-1' });
    await http.post('/accounts/m-1/withdrawals', { amount: 50 });
    const last = await http.post('/accounts/m-1/withdrawals', { amount: 5 });
    await http.get(`/accounts/m-1?consistentWith=${last.body.position}`);
    await http.get('/accounts/m-1?consistentWith=999999');

    const samples = await scrape(http);
    expect(samples.get('ledger_commands_total{command="OpenAccount",outcome="ok"}')).toBe(1);
    expect(samples.get('ledger_commands_total{command="DepositMoney",outcome="ok"}')).toBe(1);
    expect(samples.get('ledger_commands_total{command="WithdrawMoney",outcome="ok"}')).toBe(1);
    expect(
      samples.get('ledger_commands_total{command="WithdrawMoney",outcome="INSUFFICIENT_FUNDS"}'),
    ).toBe(1);
    expect(samples.get('ledger_events_appended_total')).toBe(3);
    expect(samples.get('ledger_event_store_append_seconds_count')).toBe(3);
    expect(samples.get('ledger_idempotency_replays_total')).toBe(1);
    expect(samples.get('ledger_consistency_waits_total{outcome="reached"}')).toBe(1);
    expect(samples.get('ledger_consistency_waits_total{outcome="timeout"}')).toBe(1);
    expect(
      samples.get('http_requests_total{method="POST",route="/accounts/:id/deposits",status="200"}'),
    ).toBe(2);
    expect(
      samples.get(
        'http_requests_total{method="POST",route="/accounts/:id/withdrawals",status="422"}',
      ),
    ).toBe(1);
    expect([...samples.keys()].some((key) => key.includes('m-1'))).toBe(false);
    expect(samples.get('ledger_global_head_position')).toBe(3);
    expect(samples.get('ledger_consumer_lag_events{consumer="account-summary"}')).toBe(0);
    expect(samples.get('ledger_transfers_in_flight')).toBe(0);
  });

  it('shows a stalled projection: lag grows, readiness fails naming it, then both recover', async () => {
    // Every consumer stops where it is, its checkpoint saved, as at shutdown.
    const host = ledger.app.get(ConsumerHost);
    await host.stopAll();
    for (let i = 0; i < 4; i++) await http.post('/accounts/m-1/deposits', { amount: 1 });

    const stalled = await scrape(http);
    expect(stalled.get('ledger_consumer_lag_events{consumer="account-summary"}')).toBe(4);
    expect(stalled.get('ledger_consumer_lag_seconds{consumer="account-summary"}')).toBeGreaterThan(
      0,
    );
    const notReady = await http.get('/health/ready');
    expect(notReady.status).toBe(503);
    expect(notReady.body).toMatchObject({ status: 503, code: 'NOT_READY' });
    expect(notReady.body.detail).toContain('projection-lag');
    expect(notReady.body.checks.error['projection-lag']).toMatchObject({
      status: 'down',
      lag: { 'account-summary': 4 },
    });
    expect((await http.get('/health/live')).status).toBe(200);

    for (const consumer of ledger.app.get(ProjectionConsumers).all()) host.start(consumer);
    host.start(ledger.app.get(TransferProcessManager));
    await eventually(async () => {
      expect((await http.get('/health/ready')).status).toBe(200);
    });
    const recovered = await scrape(http);
    expect(recovered.get('ledger_consumer_lag_events{consumer="account-summary"}')).toBe(0);
    expect(recovered.get('ledger_consumer_lag_seconds{consumer="account-summary"}')).toBe(0);
  });

  it('answers 304 to the current ETag and a new ETag after a change', async () => {
    const head = await ledger.eventStore.headPosition();
    const first = await http.get(`/accounts/m-1?consistentWith=${head}`);
    const etag = first.headers.get('etag')!;
    expect(etag).toBe(`"${first.body.revision}"`);
    expect(first.headers.get('cache-control')).toBe('private, no-cache');
    const unchanged = await fetch(`${ledger.baseUrl}/accounts/m-1`, {
      headers: { 'if-none-match': etag, authorization: await bearer() },
    });
    expect(unchanged.status).toBe(304);
    expect(await unchanged.text()).toBe('');

    const deposit = await http.post('/accounts/m-1/deposits', { amount: 1 });
    const changed = await http.get(`/accounts/m-1?consistentWith=${deposit.body.position}`, {
      'if-none-match': etag,
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).toBe(`"${deposit.body.revision}"`);

    const list = await http.get('/accounts?ownerId=m');
    const listEtag = list.headers.get('etag')!;
    expect(listEtag).toBeTruthy();
    const listAgain = await fetch(`${ledger.baseUrl}/accounts?ownerId=m`, {
      headers: { 'if-none-match': listEtag, authorization: await bearer() },
    });
    expect(listAgain.status).toBe(304);
  });
});
