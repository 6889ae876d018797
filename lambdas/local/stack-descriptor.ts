import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { isRunning } from './data-directory-lock';

const DESCRIPTOR_FILE = 'stack.json';

/**
 * What a running local stack tells other processes on the same data directory (the admin CLI):
 * where its endpoints and its embedded S3 server listen. No secret is in it.
 */
export interface LocalStackDescriptor {
  pid: number;
  url: string;
  archiveEndpoint: string;
  bucket: string;
  memoryBackend: 'embedded' | 'mem0' | 'agentcore';
  startedAt: string;
  /**
   * The handlers' configuration the admin CLI depends on, spelled as the environment spells it
   * (MEMORY_SCOPE, MEMORY_SCOPE_MAP as JSON, RETRIEVE_AUTH).
   */
  configuration?: { memoryScope: string; memoryScopeMap?: string; retrieveAuth: string };
}

export function descriptorFile(home: string): string {
  return path.join(home, DESCRIPTOR_FILE);
}

export async function writeStackDescriptor(home: string, descriptor: LocalStackDescriptor): Promise<void> {
  const file = descriptorFile(home);
  await writeFile(`${file}.partial`, `${JSON.stringify(descriptor, null, 2)}\n`, { mode: 0o600 });
  await rename(`${file}.partial`, file);
}

/** Removes the descriptor if it is this process's. */
export async function removeStackDescriptor(home: string): Promise<void> {
  const current = await readStackDescriptor(home);
  if (current?.pid === process.pid) await rm(descriptorFile(home), { force: true });
}

export async function readStackDescriptor(home: string): Promise<LocalStackDescriptor | undefined> {
  try {
    const parsed = JSON.parse(await readFile(descriptorFile(home), 'utf8')) as Partial<LocalStackDescriptor>;
    if (typeof parsed.pid !== 'number' || typeof parsed.url !== 'string' || typeof parsed.archiveEndpoint !== 'string')
      return undefined;
    return parsed as LocalStackDescriptor;
  } catch {
    return undefined;
  }
}

/**
 * The stack running on this data directory, as its stack.json describes it: undefined when none
 * was started there, or when the process that wrote it is gone (killed before it could remove it).
 */
export async function findRunningStack(home: string): Promise<LocalStackDescriptor | undefined> {
  const descriptor = await readStackDescriptor(home);
  return descriptor && isRunning(descriptor.pid) ? descriptor : undefined;
}
