import { statSync } from 'node:fs';

/** Which file a path named when it was opened: deleting or replacing it changes device or inode. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

export function identityOf(path: string): FileIdentity {
  const { dev, ino } = statSync(path);
  return { dev, ino };
}

/**
 * Whether `path` still names the file that was opened. A process keeps writing to a deleted file
 * without an error, so this is the only way to notice that its writes go nowhere lasting.
 */
export function stillOnDisk(path: string, opened: FileIdentity): boolean {
  try {
    const now = identityOf(path);
    return now.dev === opened.dev && now.ino === opened.ino;
  } catch {
    return false;
  }
}
