/**
 * Operations on a running Ledgerline over its HTTP API:
 *   npm run -s ledger -- status
 *   npm run -s ledger -- rebuild <projection>          (waits until the rebuild is done)
 *   npm run -s ledger -- dead-letters <projection>     (lists what the projection could not apply)
 *   npm run -s ledger -- redrive <projection>          (hands them back once the cause is fixed)
 *   npm run -s ledger -- export --file events.ndjson [--types A,B] [--stream-prefix p]
 *                                 [--from-position n] [--to-position n] [--from iso] [--to iso]
 * LEDGER_URL (default http://127.0.0.1:3000) and LEDGER_TOKEN (default: a development admin and
 * analyst token) say where and as whom. On a terminal it draws a progress bar with an ETA;
 * otherwise it prints plain log lines.
 */
import { SingleBar } from 'cli-progress';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { DEVELOPMENT_SECRET } from '../src/auth/auth-config';
import { mintToken } from '../src/auth/token-minter';

const baseUrl = process.env.LEDGER_URL ?? 'http://127.0.0.1:3000';
const tty = process.stdout.isTTY === true;

interface ProjectionStatus {
  name: string;
  version: number;
  checkpoint: number;
  head: number;
  lag: { events: number; seconds: number };
  status: 'live' | 'rebuilding' | 'failed';
  lastError?: string;
  rebuild?: { percent: number; etaSeconds: number | null; position: number; head: number };
}

async function token(): Promise<string> {
  return (
    process.env.LEDGER_TOKEN ??
    mintToken({
      subject: 'ledger-cli',
      roles: ['admin', 'analyst'],
      secret: process.env.JWT_SECRET ?? DEVELOPMENT_SECRET,
      issuer: process.env.JWT_ISSUER ?? 'ledgerline',
      audience: process.env.JWT_AUDIENCE ?? 'ledgerline',
    })
  );
}

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(`${baseUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${await token()}`, ...(init.headers ?? {}) },
  });
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as { code?: string; detail?: string };
    throw new Error(`${response.status} ${problem.code ?? ''} ${problem.detail ?? ''}`.trim());
  }
  return response;
}

/** A bar on a terminal, a line every few seconds elsewhere: the same calls either way. */
function progress(label: string) {
  if (tty) {
    const bar = new SingleBar({
      format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}`,
    });
    let started = false;
    return {
      update(value: number, total: number) {
        if (!started) bar.start(total, value);
        started = true;
        bar.setTotal(total);
        bar.update(value);
      },
      stop: () => bar.stop(),
    };
  }
  let lastLog = 0;
  return {
    update(value: number, total: number) {
      if (Date.now() - lastLog < 2000 && value < total) return;
      lastLog = Date.now();
      console.log(`${new Date().toISOString()} ${label}: ${value}/${total}`);
    },
    stop: () => undefined,
  };
}

async function status(): Promise<void> {
  const projections = (await (await api('/projections')).json()) as ProjectionStatus[];
  for (const p of projections) {
    const detail =
      p.status === 'rebuilding'
        ? `rebuilding ${p.rebuild!.percent.toFixed(1)}%, ETA ${p.rebuild!.etaSeconds ?? '?'} s`
        : p.status === 'failed'
          ? `failed: ${p.lastError}`
          : 'live';
    console.log(
      `${p.name} v${p.version}: ${detail}; checkpoint ${p.checkpoint} of ${p.head}, ` +
        `lag ${p.lag.events} events / ${p.lag.seconds.toFixed(1)} s`,
    );
  }
}

async function rebuild(name: string): Promise<void> {
  await api(`/projections/${encodeURIComponent(name)}/rebuild`, { method: 'POST' });
  const bar = progress(`rebuild ${name}`);
  try {
    for (;;) {
      const projections = (await (await api('/projections')).json()) as ProjectionStatus[];
      const current = projections.find((p) => p.name === name)!;
      if (current.status === 'failed') throw new Error(`rebuild failed: ${current.lastError}`);
      if (current.status === 'live') {
        bar.update(current.head, current.head);
        break;
      }
      bar.update(current.rebuild!.position, current.rebuild!.head);
      await sleep(500);
    }
  } finally {
    bar.stop();
  }
  console.log(`${name} rebuilt`);
}

interface DeadLetterList {
  items: {
    eventId: string;
    streamId: string;
    revision: number;
    type: string;
    reason: string;
    deadAt: string;
  }[];
}

async function deadLetters(name: string): Promise<void> {
  const path = `/projections/${encodeURIComponent(name)}/dead-letters`;
  const { items } = (await (await api(path)).json()) as DeadLetterList;
  for (const letter of items) {
    console.log(
      `${letter.deadAt} ${letter.streamId}@${letter.revision} ${letter.type} ${letter.eventId}: ${letter.reason}`,
    );
  }
  console.log(`${items.length} dead letters in ${name}`);
}

async function redrive(name: string): Promise<void> {
  const path = `/projections/${encodeURIComponent(name)}/dead-letters/redrive`;
  const result = (await (await api(path, { method: 'POST' })).json()) as {
    redriven: number;
    stillDead: number;
  };
  console.log(`${name}: ${result.redriven} re-driven, ${result.stillDead} still dead`);
  if (result.stillDead > 0) process.exitCode = 1;
}

async function exportEvents(args: Record<string, string | undefined>): Promise<void> {
  if (!args.file) throw new Error('export needs --file <path>');
  const query = new URLSearchParams();
  const filters: [string, string | undefined][] = [
    ['types', args.types],
    ['streamPrefix', args['stream-prefix']],
    ['fromPosition', args['from-position']],
    ['toPosition', args['to-position']],
    ['from', args.from],
    ['to', args.to],
  ];
  for (const [name, value] of filters) if (value !== undefined) query.set(name, value);
  const head = ((await (await api('/projections')).json()) as ProjectionStatus[])[0]?.head ?? 0;
  const response = await api(`/events?${query}`, { headers: { accept: 'application/x-ndjson' } });
  const out = createWriteStream(args.file);
  const bar = progress(`export to ${args.file}`);
  let lines = 0;
  let pending = '';
  try {
    for await (const chunk of response.body!) {
      const text = pending + Buffer.from(chunk).toString('utf8');
      const complete = text.lastIndexOf('\n') + 1;
      pending = text.slice(complete);
      const block = text.slice(0, complete);
      if (!out.write(block)) await once(out, 'drain');
      for (const line of block.split('\n')) {
        if (!line) continue;
        lines++;
        if (lines % 500 === 0)
          bar.update((JSON.parse(line) as { position: number }).position, head);
      }
    }
    bar.update(head, head);
  } finally {
    bar.stop();
    out.end();
    await once(out, 'finish');
  }
  console.log(`exported ${lines} events to ${args.file}`);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      file: { type: 'string' },
      types: { type: 'string' },
      'stream-prefix': { type: 'string' },
      'from-position': { type: 'string' },
      'to-position': { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
    },
  });
  const [command, name] = positionals;
  if (command === 'status') return status();
  if (command === 'rebuild' && name) return rebuild(name);
  if (command === 'dead-letters' && name) return deadLetters(name);
  if (command === 'redrive' && name) return redrive(name);
  if (command === 'export') return exportEvents(values);
  console.error(
    'usage: ledger status | rebuild <projection> | dead-letters <projection> | redrive <projection> | export --file <path> [filters]',
  );
  process.exitCode = 2;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
