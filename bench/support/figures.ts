/** How benchmarks turn samples into the figures they print. */

export const now = () => performance.now();

export const perSecond = (count: number, ms: number) => (count / ms) * 1000;

/** The nearest-rank percentile of samples sorted ascending; NaN for none. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** A whole number (or `digits` decimals) with thousands separators; n/a for NaN. */
export const fmt = (value: number, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', {
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      })
    : 'n/a';

/** p50, p95, p99 and max, formatted with one decimal. */
export function distribution(samples: number[]): string[] {
  const sorted = [...samples].sort((a, b) => a - b);
  return [50, 95, 99]
    .map((p) => fmt(percentile(sorted, p), 1))
    .concat(fmt(sorted[sorted.length - 1] ?? NaN, 1));
}

/** A table row: the first cell left-aligned, the others right-aligned, to `widths`. */
export function row(cells: string[], widths: number[]): string {
  return cells
    .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
    .join('  ');
}
