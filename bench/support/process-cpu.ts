import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './pipeline-stack';

/** Clock ticks per second of /proc/<pid>/stat's times: USER_HZ, 100 on Linux. */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system, all threads) a process has used so far; undefined off Linux. */
function cpuSecondsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in parentheses may hold spaces: fields are counted after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** The pid infra/infra.sh recorded for one of its servers, when that server runs. */
export function infraServerPid(name: 'kafka' | 'mongo-wire'): number | undefined {
  const file = join(ROOT, '.infra', name, `${name}.pid`);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return cpuSecondsOf(pid) === undefined ? undefined : pid;
}

/**
 * CPU used by named processes over a window. On a saturated machine latency mostly measures
 * queueing for the cores; the CPU each process spends per command says where to cut.
 */
export function cpuWindow(processes: Record<string, number | undefined>) {
  const started = Object.entries(processes)
    .filter((entry): entry is [string, number] => entry[1] !== undefined)
    .map(([name, pid]) => ({ name, pid, from: cpuSecondsOf(pid) ?? 0 }));
  const startedAt = performance.now();
  const selfFrom = process.cpuUsage();
  return {
    /** Per process, CPU ms per command and its share of one core over the window. */
    end(commands: number) {
      const seconds = (performance.now() - startedAt) / 1000;
      const self = process.cpuUsage(selfFrom);
      const used = [
        ...started.map(({ name, pid, from }) => ({
          name,
          cpuSeconds: (cpuSecondsOf(pid) ?? from) - from,
        })),
        { name: 'benchmark client', cpuSeconds: (self.user + self.system) / 1e6 },
      ];
      return used.map(({ name, cpuSeconds }) => ({
        name,
        msPerCommand: (cpuSeconds * 1000) / commands,
        coreShare: cpuSeconds / seconds,
      }));
    },
  };
}
