/** A whole-number setting of a benchmark, from the environment. */
export function setting(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1) {
    throw new Error(`${name} must be a positive whole number, got "${value}"`);
  }
  return parsed;
}
