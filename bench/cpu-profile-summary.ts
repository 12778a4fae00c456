/**
 * Summarises a V8 CPU profile (node --cpu-prof): where the time went, by self time per function,
 * by inclusive time per function (each function counted once per sample, however deep it recurs),
 * and by self time per package or source file.
 * Run: npm run -s bench:profile -- <file.cpuprofile> [top] [from-to]
 * where from-to (ms since the profile started, e.g. 20000-30000) keeps only the samples taken
 * then; `npm run bench` with BENCH_CPU_PROF prints the window of its deposit run.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function where(url: string): string {
  if (url === '') return '(native)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const root = url.search(/\/(src|projections)\//);
  if (root >= 0) return url.slice(root + 1);
  return url.startsWith('node:') ? 'node:' + url.slice(5).split('/')[0] : url;
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'} ${where(url)}:${lineNumber + 1}`;
}

function top(totals: Map<string, number>, all: number, count: number, title: string): void {
  console.log(`\n${title}`);
  for (const [name, us] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, count)) {
    console.log(
      `  ${((100 * us) / all).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`,
    );
  }
}

function main(): void {
  const [file, count = '25', window] = process.argv.slice(2);
  if (!file) throw new Error('usage: cpu-profile-summary.ts <file.cpuprofile> [top] [from-to]');
  const [fromMs, toMs] = window ? window.split('-').map(Number) : [0, Infinity];
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let all = 0;
  let idle = 0;
  let at = 0;
  profile.samples.forEach((id, index) => {
    const us = profile.timeDeltas[index] ?? 0;
    at += us;
    if (at < fromMs * 1000 || at > toMs * 1000) return;
    const node = byId.get(id)!;
    all += us;
    if (node.callFrame.functionName === '(idle)') idle += us;
    self.set(label(node), (self.get(label(node)) ?? 0) + us);
    const place = where(node.callFrame.url);
    byPlace.set(place, (byPlace.get(place) ?? 0) + us);
    const seen = new Set<string>();
    for (let frame: number | undefined = id; frame !== undefined; frame = parent.get(frame)) {
      const name = label(byId.get(frame)!);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + us);
    }
  });
  const n = Number(count);
  console.log(
    `${file}: ${(all / 1e6).toFixed(2)} s sampled${window ? ` from ${fromMs} to ${toMs} ms` : ''}, ` +
      `${((100 * idle) / all).toFixed(1)}% idle`,
  );
  top(byPlace, all, n, 'self time by package or source file');
  top(self, all, n, 'self time by function');
  inclusive.delete(label(profile.nodes[0]));
  top(inclusive, all, n, 'inclusive time by function');
}

main();
