import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './config-error';

/**
 * Stops start-up with one line naming DATA_DIR when the folder cannot hold the embedded stores:
 * a file stands in its place, it (or a missing parent) cannot be created, or it cannot be written.
 * Writing a file is the only test that holds for every cause (permissions, a read-only mount, root
 * on a read-only file system).
 */
export function assertDataDirUsable(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      throw new ConfigError('DATA_DIR', `${dataDir} is not a folder: a file is in the way`);
    }
    throw new ConfigError('DATA_DIR', `${dataDir} cannot be created (${code})`);
  }
  if (!statSync(dataDir).isDirectory()) {
    throw new ConfigError('DATA_DIR', `${dataDir} is not a folder`);
  }
  const probe = join(dataDir, `.write-check-${process.pid}`);
  try {
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError('DATA_DIR', `${dataDir} is not writable (${code})`);
  }
}
