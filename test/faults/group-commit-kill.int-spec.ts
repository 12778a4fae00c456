import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SqliteEventStore } from '../../src/event-store/embedded/sqlite-event-store';
import { envelopeHash, GENESIS_HASH } from '../../src/event-store/event-envelope';

/**
 * Group commit under a real crash: a child process runs 32 appenders against one store and prints
 * every append it has been answered, the moment it is answered; it is SIGKILLed mid-flight. Every
 * printed (acknowledged) append must be on disk, at its answered revision and position, and the
 * log must be well formed: gapless streams, intact hash chains.
 */

const REPO_ROOT = resolve(__dirname, '../..');
const STORE_MODULE = join(REPO_ROOT, 'src/event-store/embedded/sqlite-event-store.ts');
const APPENDERS = 32;
const CYCLES = 3;

const CHILD = `
  const { randomUUID } = require('node:crypto');
  const { SqliteEventStore } = require(process.env.STORE_MODULE);
  const metadata = { actor: { subject: 'child', roles: [] }, correlationId: 'c', causationId: 'c', commandId: 'c' };
  const store = new SqliteEventStore({
    file: process.env.STORE_FILE,
    observer: { groupCommitted: (size) => process.stdout.write('G ' + size + '\\n'), clockSteppedBack() {} },
  });
  const event = (n) => ({ eventId: randomUUID(), type: 'Crashed', schemaVersion: 1, data: { n }, metadata });
  async function appender(a) {
    // Several appenders share a stream, so one group holds appends to the same stream.
    const streamId = process.env.CYCLE + '-stream-' + (a % 8);
    for (let n = 0; ; n++) {
      const events = [event(n), event(n + 0.5)];
      const result = await store.append(streamId, events, 'any');
      process.stdout.write('A ' + JSON.stringify({ streamId, ids: events.map((e) => e.eventId), ...result }) + '\\n');
    }
  }
  for (let a = 0; a < ${APPENDERS}; a++) appender(a).catch((e) => { console.error(e); process.exit(1); });
`;

interface Acknowledged {
  streamId: string;
  ids: string[];
  revision: number;
  position: number;
}

function runUntilKilled(file: string, cycle: number, acknowledgedBeforeKill: number) {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', CHILD], {
    cwd: REPO_ROOT,
    env: { ...process.env, STORE_MODULE, STORE_FILE: file, CYCLE: String(cycle) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acknowledged: Acknowledged[] = [];
  const groups: number[] = [];
  let buffered = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise<{ acknowledged: Acknowledged[]; groups: number[] }>(
    (resolvePromise, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          if (line.startsWith('A ')) acknowledged.push(JSON.parse(line.slice(2)));
          if (line.startsWith('G ')) groups.push(Number(line.slice(2)));
        }
        if (acknowledged.length >= acknowledgedBeforeKill && child.exitCode === null) {
          child.kill('SIGKILL');
        }
      });
      child.on('exit', (code, signal) =>
        signal === 'SIGKILL'
          ? resolvePromise({ acknowledged, groups })
          : reject(new Error(`child exited with ${code}: ${stderr}`)),
      );
    },
  );
}

describe('group commit under kill -9', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ledgerline-group-kill-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('loses no acknowledged append, keeps streams gapless and hash chains intact', async () => {
    const file = join(dir, 'events.sqlite');
    const everAcknowledged: Acknowledged[] = [];
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      const killAfter = 300 + Math.floor(Math.random() * 1500);
      const { acknowledged, groups } = await runUntilKilled(file, cycle, killAfter);
      expect(acknowledged.length).toBeGreaterThanOrEqual(killAfter);
      // The appends did share commits: that is what is under test.
      expect(Math.max(...groups)).toBeGreaterThan(1);
      everAcknowledged.push(...acknowledged);

      const store = new SqliteEventStore({ file });
      try {
        const log = await store.readAll();
        const byId = new Map(log.map((event) => [event.eventId, event]));
        for (const ack of everAcknowledged) {
          const stored = ack.ids.map((id) => byId.get(id));
          expect({ ack, found: stored.map((e) => e?.position) }).toEqual({
            ack,
            found: [ack.position - 1, ack.position],
          });
          expect(stored[1]!.revision).toBe(ack.revision);
          expect(stored[1]!.streamId).toBe(ack.streamId);
        }
        const streams = new Map<string, typeof log>();
        for (const event of log)
          streams.set(event.streamId, [...(streams.get(event.streamId) ?? []), event]);
        for (const [streamId, events] of streams) {
          expect({ streamId, revisions: events.map((e) => e.revision) }).toEqual({
            streamId,
            revisions: events.map((_, i) => i),
          });
          let previous = GENESIS_HASH;
          for (const event of events) {
            expect(event.hash).toBe(envelopeHash(event, previous));
            previous = event.hash;
          }
        }
      } finally {
        await store.close();
      }
    }
  }, 120_000);
});
