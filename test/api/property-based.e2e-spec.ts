import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningLedger, startLedger } from '../support/ledger-app';
import { removeDataDir } from '../../harness/data-dir';
import { STAFF, tokenFor } from '../../harness/tokens';

/**
 * Schemathesis generates requests from the app's own /docs/openapi.json (examples, coverage,
 * fuzzing and stateful phases) and checks every answer against the document. Any finding fails
 * the build. The checks left out are about behaviour the document does not promise: 405 for
 * methods no route has (unknown methods are 404 ROUTE_NOT_FOUND), acceptance of every
 * schema-valid request (some rules span parameters: toPosition not below fromPosition), and
 * reading a resource back at once (reads are eventually consistent unless consistentWith).
 */
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_headers_conformance',
  'response_schema_conformance',
  'negative_data_rejection',
  'missing_required_header',
  'ignored_auth',
];
const CONFIG = join(__dirname, 'schemathesis.toml');
const SECONDS = Number(process.env.API_FUZZ_SECONDS ?? 120);

function schemathesis(
  cwd: string,
  args: string[],
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-m', 'schemathesis.cli', '--config-file', CONFIG, ...args], {
      // Its cache of past crashes stays out of the work tree.
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

// CI reads a pytest-style closing line ("=== 2 warnings in 120.03s ===") as a run of no test, so
// the summary shown leaves Schemathesis's out; the junit report and the exit code are the verdict.
function summaryOf(output: string): string {
  return output
    .slice(output.lastIndexOf('Test Phases:'))
    .split('\n')
    .filter((line) => !/^=+ .* =+$/.test(line.trim()))
    .join('\n')
    .trimEnd();
}

describe('The API against its own document, property-based', () => {
  let ledger: RunningLedger;
  let reportDir: string;

  beforeAll(async () => {
    // The defaults would answer most of a fuzzing run with 429 (documented, but it tests nothing
    // else) and wait 5 s for every far-off consistentWith.
    ledger = await startLedger(undefined, {
      rateLimit: { perSubject: 1_000_000, perAddress: 1_000_000 },
      consistencyTimeoutMs: 100,
    });
    reportDir = mkdtempSync(join(tmpdir(), 'schemathesis-'));
  });

  afterAll(async () => {
    await ledger.stop();
    removeDataDir(ledger.dataDir);
    rmSync(reportDir, { recursive: true, force: true });
  });

  it(
    `finds nothing in ${SECONDS} s of generated requests`,
    async () => {
      const token = await tokenFor(STAFF.subject, ...STAFF.roles);
      const report = join(reportDir, 'junit.xml');
      const { code, output } = await schemathesis(reportDir, [
        'run',
        `${ledger.baseUrl}/docs/openapi.json`,
        '--header',
        `Authorization: Bearer ${token}`,
        '--checks',
        CHECKS.join(','),
        '--max-time',
        String(SECONDS),
        '--workers',
        '1',
        '--seed',
        String(Date.now() % 1_000_000),
        '--report',
        'junit',
        '--report-junit-path',
        report,
      ]);
      const generated = /(\d+) generated/.exec(output)?.[1];
      process.stdout.write(`${summaryOf(output)}\n`);
      if (code !== 0) throw new Error(`Schemathesis found problems:\n${output}`);
      // A run that could not reach the app generates next to nothing.
      expect(Number(generated)).toBeGreaterThan(200);
      expect(readFileSync(report, 'utf8')).not.toMatch(/<failure|<error/);
    },
    (SECONDS + 90) * 1000,
  );
});
