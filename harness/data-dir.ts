import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh DATA_DIR of its own under the system's temp folder. */
export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'ledgerline-'));
}

export function removeDataDir(dataDir: string): void {
  rmSync(dataDir, { recursive: true, force: true });
}
