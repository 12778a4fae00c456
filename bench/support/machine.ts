import { cpus, loadavg, totalmem } from 'node:os';

/** Other work on the machine skews every figure: printed next to them. */
export const load = () =>
  `load average ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')}`;

/** What the figures were measured on, and when. */
export function machine(): string {
  const cpuList = cpus();
  return (
    `machine: ${cpuList.length} cpus (${cpuList[0]?.model.trim() ?? 'unknown'}), ` +
    `${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.version}; ` +
    `${new Date().toISOString()}; ${load()}`
  );
}
