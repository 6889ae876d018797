import { open, readFile, rm } from 'node:fs/promises';
import * as path from 'node:path';

const LOCK_FILE = 'stack.lock';

/**
 * One local stack per data directory: two would append to the same memory files, ingest the
 * same inbox twice and each take the other's in-progress idempotency records for orphans.
 * The lock is a file holding the owner's pid; a lock whose process is gone is stale and taken over.
 */
export async function lockDataDirectory(home: string): Promise<{ release(): Promise<void> }> {
  const file = path.join(home, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return { release: () => releaseIfOurs(file) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(owner) && owner > 0 && isRunning(owner)) {
      const who = owner === process.pid ? 'this process' : `process ${owner}`;
      throw new Error(
        `${home} is in use by another local stack (${who}): stop it first, or set AGENTIC_MEMORY_HOME to another ` +
          `directory (if no stack is running, delete ${file})`,
      );
    }
    await rm(file, { force: true });
  }
  throw new Error(`could not lock ${home}: ${file} keeps reappearing`);
}

async function releaseIfOurs(file: string): Promise<void> {
  const owner = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (owner === String(process.pid)) await rm(file, { force: true });
}

/** Whether a process with this id exists (a zombie counts as alive: see the closing note). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
