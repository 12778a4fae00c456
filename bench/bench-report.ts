import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface BenchSeries {
  /** Completed deposits per second, by second of the throughput run. */
  throughput: { second: number; commands: number }[];
  /** Append-to-visible latency per second of the latency run: p50 and p99 in ms. */
  lag: { second: number; percentile: 'p50' | 'p99'; ms: number }[];
  /** Lines printed by the benchmark, shown under the plots. */
  summary: string[];
}

/** Renders one Vega-Lite chart to SVG, headless (no browser, no canvas). */
async function svgOf(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}

const common = { width: 640, height: 220, background: 'white' } as const;

/** Writes a self-contained HTML report and, beside it, the same plots as one SVG for the README. */
export async function writeBenchReport(series: BenchSeries, htmlFile: string, svgFile: string) {
  const throughput = await svgOf({
    ...common,
    title: 'Deposits over HTTP: completed commands per second',
    data: { values: series.throughput },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'second', type: 'quantitative', title: 'second of the run' },
      y: { field: 'commands', type: 'quantitative', title: 'commands/s' },
    },
  });
  const lag = await svgOf({
    ...common,
    title: 'Append to visible through consistentWith, per second',
    data: { values: series.lag },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'second', type: 'quantitative', title: 'second of the run' },
      y: { field: 'ms', type: 'quantitative', title: 'milliseconds' },
      color: { field: 'percentile', type: 'nominal', title: 'percentile' },
    },
  });
  const both = await svgOf({
    background: 'white',
    vconcat: [
      {
        ...common,
        title: 'Deposits per second',
        data: { values: series.throughput },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'second', type: 'quantitative', title: 'second of the run' },
          y: { field: 'commands', type: 'quantitative', title: 'commands/s' },
        },
      },
      {
        ...common,
        title: 'Append to visible (p50, p99)',
        data: { values: series.lag },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'second', type: 'quantitative', title: 'second of the run' },
          y: { field: 'ms', type: 'quantitative', title: 'milliseconds' },
          color: { field: 'percentile', type: 'nominal' },
        },
      },
    ],
  });
  const escape = (text: string) =>
    text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ledgerline benchmark</title>
<style>body{font-family:system-ui,sans-serif;max-width:760px;margin:2rem auto;color:#222}
pre{background:#f6f6f6;padding:1rem;white-space:pre-wrap}</style></head>
<body><h1>Ledgerline benchmark</h1>
${throughput}
${lag}
<h2>Figures</h2><pre>${escape(series.summary.join('\n'))}</pre>
</body></html>
`;
  for (const file of [htmlFile, svgFile]) mkdirSync(dirname(file), { recursive: true });
  writeFileSync(htmlFile, html);
  writeFileSync(svgFile, both);
}
