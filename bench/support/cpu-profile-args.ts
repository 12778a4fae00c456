/**
 * BENCH_CPU_PROF=<dir>: the node arguments that make a benchmarked process write a V8 CPU profile
 * named `<name>.cpuprofile` there when it exits (summarise: bench/cpu-profile-summary.ts).
 */
export function cpuProfileArgs(name: string): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
}
