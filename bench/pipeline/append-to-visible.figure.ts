/**
 * Append-to-visible: api + relay + projector, deposits over HTTP at a fixed open-loop rate; for
 * each, the time from its answer until GET /accounts/{id} shows its revision, either polled every
 * few ms or with ?consistentWith=<position> (both by default, one after the other).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { tellerToken } from '../../harness/hs256-token';
import { bounded } from '../support/bounded';
import { distribution, fmt, now, perSecond, row } from '../support/figures';
import { load } from '../support/machine';
import { accountId } from './preload';
import { REQUEST_TIMEOUT_MS, settings, TOKEN_SECRET, VISIBLE_TIMEOUT_MS } from './settings';

type VisibilityMode = 'poll' | 'consistentWith';

interface VisibilityRun {
  mode: VisibilityMode;
  sent: number;
  ok: number;
  errors: number;
  firstError?: string;
  /** From the first send to the last send. */
  sendingMs: number;
  /** From the first send to the last answer. */
  answeringMs: number;
  /** How late the open-loop sender fired, at worst. */
  maxSendDelayMs: number;
  commandMs: number[];
  visibleMs: number[];
  /** Response time of each GET: in poll mode, the resolution of the visible figures. */
  readMs: number[];
}

const authorization = `Bearer ${tellerToken(TOKEN_SECRET, 'pipeline-bench')}`;

async function call(url: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    ...init,
    headers: { authorization, ...(init?.headers as Record<string, string> | undefined) },
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

function deposit(api: string, account: string) {
  return call(`${api}/accounts/${account}/deposits`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ amount: 1 }),
  });
}

/** Open loop: command i leaves at start + i / rate whether or not earlier ones were answered. */
async function appendToVisible(
  api: string,
  mode: VisibilityMode,
  count: number,
): Promise<VisibilityRun> {
  const result: VisibilityRun = {
    mode,
    sent: 0,
    ok: 0,
    errors: 0,
    sendingMs: 0,
    answeringMs: 0,
    maxSendDelayMs: 0,
    commandMs: [],
    visibleMs: [],
    readMs: [],
  };
  const startedAt = now();
  let lastAnswerAt = startedAt;

  async function one(i: number): Promise<void> {
    const account = accountId(i % settings.accounts);
    const sentAt = now();
    const command = await deposit(api, account);
    const answeredAt = now();
    lastAnswerAt = Math.max(lastAnswerAt, answeredAt);
    if (command.status !== 200)
      throw new Error(`deposit ${command.status}: ${JSON.stringify(command.body)}`);
    result.commandMs.push(answeredAt - sentAt);
    const { revision, position } = command.body as { revision: number; position: number };
    if (mode === 'consistentWith') {
      const read = await call(`${api}/accounts/${account}?consistentWith=${position}`);
      const visibleAt = now();
      result.readMs.push(visibleAt - answeredAt);
      const seen = (read.body as { revision?: number } | undefined)?.revision ?? -1;
      if (read.status !== 200 || seen < revision) {
        throw new Error(`consistentWith read ${read.status}: ${JSON.stringify(read.body)}`);
      }
      result.visibleMs.push(visibleAt - answeredAt);
      return;
    }
    for (;;) {
      const pollAt = now();
      const read = await call(`${api}/accounts/${account}`);
      const seenAt = now();
      result.readMs.push(seenAt - pollAt);
      const seen = (read.body as { revision?: number } | undefined)?.revision ?? -1;
      if (read.status === 200 && seen >= revision) {
        result.visibleMs.push(seenAt - answeredAt);
        return;
      }
      if (seenAt - answeredAt > VISIBLE_TIMEOUT_MS) {
        throw new Error(
          `revision ${revision} of ${account} not visible after ${VISIBLE_TIMEOUT_MS} ms`,
        );
      }
      await sleep(Math.max(0, settings.pollMs - (seenAt - pollAt)));
    }
  }

  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = startedAt + (i * 1000) / settings.rate;
    const wait = due - now();
    if (wait > 0) await sleep(wait);
    result.maxSendDelayMs = Math.max(result.maxSendDelayMs, now() - due);
    result.sent++;
    inFlight.push(
      one(i).then(
        () => void result.ok++,
        (error: unknown) => {
          result.errors++;
          result.firstError ??= error instanceof Error ? error.message : String(error);
        },
      ),
    );
  }
  result.sendingMs = now() - startedAt;
  await Promise.all(inFlight);
  result.answeringMs = lastAnswerAt - startedAt;
  return result;
}

/** A warm-up that is not counted, then each visibility mode in turn, over the running api. */
export async function measureAppendToVisible(api: string): Promise<VisibilityRun[]> {
  const commands = settings.rate * settings.seconds;
  // Warm-up: connections, JIT, the api's first reads; not counted.
  const warmUp = await bounded('the warm-up', 60_000, () =>
    appendToVisible(api, 'consistentWith', 20),
  );
  if (warmUp.errors > 0) throw new Error(`warm-up commands failed: ${warmUp.firstError}`);
  const runs: VisibilityRun[] = [];
  for (const mode of settings.visibility as VisibilityMode[]) {
    if (mode !== 'poll' && mode !== 'consistentWith') throw new Error(`unknown mode ${mode}`);
    runs.push(
      await bounded(`append-to-visible (${mode})`, settings.seconds * 1000 + 120_000, () =>
        appendToVisible(api, mode, commands),
      ),
    );
    await sleep(1000);
  }
  return runs;
}

/** The table, one row and one detail line a mode; sets a failing exit code on any error. */
export function printAppendToVisible(runs: VisibilityRun[]): void {
  console.log('');
  console.log(
    `append-to-visible: api + relay + projector processes, deposits open-loop at ` +
      `${settings.rate}/s for ${settings.seconds} s over ${settings.accounts} accounts (ms)`,
  );
  const vw = [40, 6, 6, 9, 25, 31];
  console.log(
    row(
      [
        'visible when',
        'sent',
        'ok',
        'cmds/s',
        'deposit p50/p95/p99/max',
        'visible p50/p95/p99/max',
      ],
      vw,
    ),
  );
  for (const run of runs) {
    const label =
      run.mode === 'poll'
        ? `GET /accounts/{id} every ${settings.pollMs} ms shows rev`
        : 'GET /accounts/{id}?consistentWith= returns';
    console.log(
      row(
        [
          label,
          fmt(run.sent),
          fmt(run.ok),
          fmt(perSecond(run.ok, run.answeringMs), 1),
          distribution(run.commandMs).join('/'),
          distribution(run.visibleMs).join('/'),
        ],
        vw,
      ),
    );
    console.log(
      `  ${run.mode}: ${run.errors} errors, ${fmt(run.readMs.length)} GETs (p50/p95 ` +
        `${distribution(run.readMs).slice(0, 2).join('/')} ms), sent over ` +
        `${fmt(run.sendingMs)} ms (max send delay ${fmt(run.maxSendDelayMs, 1)} ms), last answer ` +
        `at ${fmt(run.answeringMs)} ms` +
        (run.firstError ? `; first error: ${run.firstError}` : ''),
    );
    if (run.errors > 0) process.exitCode = 1;
  }
  console.log(`  ${load()}`);
}
