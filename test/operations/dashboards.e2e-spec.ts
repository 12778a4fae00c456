import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { httpClient } from '../../harness/http-client';
import { ledgerForSuite, type RunningLedger } from '../support/ledger-app';

const docker = (path: string) => resolve(__dirname, '../../docker', path);

/** Runs a tool that `.ci/run` installs; a missing tool fails the test rather than skipping it. */
function promtool(args: string[], input?: string): string {
  try {
    return execFileSync('promtool', args, { encoding: 'utf8', input, stdio: 'pipe' });
  } catch (error) {
    const failure = error as { code?: string; stdout?: string; stderr?: string };
    if (failure.code === 'ENOENT') {
      throw new Error('promtool is not installed: `apt-get install prometheus` (see .ci/run)');
    }
    throw new Error(`promtool ${args.join(' ')} failed:\n${failure.stdout}${failure.stderr}`);
  }
}

describe('dashboards and scrape configuration', () => {
  let ledger: RunningLedger;
  let exposition: string;

  ledgerForSuite(async (started) => {
    ledger = started;
    const http = httpClient(ledger.baseUrl);
    // Some traffic, so that labelled series exist in the exposition too.
    await http.post('/accounts', { ownerId: 'd', currency: 'EUR', accountId: 'dash' });
    await http.post('/accounts/dash/withdrawals', { amount: 5 });
    exposition = await (await fetch(`${ledger.baseUrl}/metrics`)).text();
  });

  it('has a Prometheus configuration that promtool accepts', () => {
    expect(promtool(['check', 'config', docker('prometheus/prometheus.yml')])).toContain('SUCCESS');
  });

  it('exports metrics that promtool lints clean', () => {
    const ours = exposition
      .split('\n')
      .filter((line) => /^(# (HELP|TYPE) )?(ledger_|http_)/.test(line))
      .join('\n');
    expect(promtool(['check', 'metrics'], `${ours}\n`)).toBe('');
  });

  it('scrapes every role of the compose stack', () => {
    const compose = parse(readFileSync(docker('compose.yaml'), 'utf8'));
    const prometheus = parse(readFileSync(docker('prometheus/prometheus.yml'), 'utf8'));
    const targets = JSON.stringify(prometheus.scrape_configs);
    const ledgerServices = Object.entries(compose.services as Record<string, any>)
      .filter(([, service]) => service.environment?.LEDGER_ROLE)
      .map(([name]) => name);
    expect(ledgerServices.sort()).toEqual(['api-1', 'api-2', 'projector', 'relay']);
    for (const service of ledgerServices) expect(targets).toContain(service);
  });

  it('provisions a dashboard whose queries name only metrics the code exports', () => {
    const datasource = parse(
      readFileSync(docker('grafana/provisioning/datasources/prometheus.yml'), 'utf8'),
    ).datasources[0];
    const dashboard = JSON.parse(
      readFileSync(docker('grafana/dashboards/ledgerline.json'), 'utf8'),
    );
    expect(dashboard).toMatchObject({ uid: expect.any(String), title: expect.any(String) });
    const exported = new Set(
      [...exposition.matchAll(/^# TYPE (\S+) (\S+)/gm)].flatMap(([, name, type]) =>
        type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name],
      ),
    );
    const titles: string[] = [];
    for (const panel of dashboard.panels) {
      titles.push(panel.title);
      expect(panel.datasource.uid).toBe(datasource.uid);
      expect(panel.gridPos).toMatchObject({ w: expect.any(Number), h: expect.any(Number) });
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const { expr } of panel.targets) {
        const named = (expr as string).match(/\b(ledger|http)_[a-z_]+\b/g) ?? [];
        expect(named.length).toBeGreaterThan(0);
        for (const metric of named) expect(exported).toContain(metric);
      }
    }
    expect(titles.join(' | ')).toEqual(
      expect.stringMatching(/Command rate.*p99.*lag \(events\).*lag \(seconds\).*Relay.*Dead/),
    );
  });
});
