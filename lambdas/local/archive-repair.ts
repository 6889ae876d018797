import { promises as fs, type Dirent } from 'node:fs';
import * as path from 'node:path';
import { PARTIAL_FOLDER } from './atomic-store';

/** s3rver's file names: `{key's last part}._S3rver_{resource}`. */
const OBJECT_SUFFIX = '._S3rver_object';
const CHECKSUM_SUFFIX = '._S3rver_object.md5';
const METADATA_SUFFIX = '._S3rver_metadata.json';
const MD5_HEX = /^[0-9a-f]{32}$/;

export interface ArchiveRepair {
  /** Writes in progress when the process died (never acknowledged): deleted. */
  partialWrites: number;
  /** Checksum or metadata files whose object does not exist: deleted. */
  orphans: number;
  /** Checksum files cut short: deleted (s3rver computes the checksum again when it reads the object). */
  checksumsReset: number;
  /**
   * Objects whose metadata file is not whole JSON, moved to the quarantine folder, by key. Only
   * s3rver's own in-place writes leave that (AtomicFilesystemStore never does), and s3rver writes
   * the metadata last and answers after it: such an upload was never acknowledged.
   */
  quarantined: string[];
}

/**
 * Makes an s3rver directory readable again after a crash, before the server starts: removes
 * what was being written when the process died and sets aside what s3rver would fail to list.
 * Nothing is deleted that a completed write left; a quarantined object is moved, not deleted.
 */
export async function repairArchiveDirectory(directory: string, quarantineDirectory: string): Promise<ArchiveRepair> {
  const repair: ArchiveRepair = { partialWrites: 0, orphans: 0, checksumsReset: 0, quarantined: [] };
  const partials = await entries(path.join(directory, PARTIAL_FOLDER));
  for (const entry of partials) await fs.rm(path.join(directory, PARTIAL_FOLDER, entry.name), { force: true });
  repair.partialWrites = partials.length;

  for (const bucket of await entries(directory)) {
    if (!bucket.isDirectory() || bucket.name === PARTIAL_FOLDER) continue;
    await repairFolder(path.join(directory, bucket.name), bucket.name, '', quarantineDirectory, repair);
  }
  return repair;
}

async function repairFolder(
  folder: string,
  bucket: string,
  keyPrefix: string,
  quarantineDirectory: string,
  repair: ArchiveRepair,
): Promise<void> {
  const listed = await entries(folder);
  const names = new Set(listed.map((entry) => entry.name));
  for (const entry of listed) {
    if (entry.isDirectory()) {
      await repairFolder(
        path.join(folder, entry.name),
        bucket,
        `${keyPrefix}${entry.name}/`,
        quarantineDirectory,
        repair,
      );
    }
  }
  // Metadata first: a quarantined object takes its checksum file with it.
  const quarantined = new Set<string>();
  for (const entry of listed.filter((e) => e.isFile() && e.name.endsWith(METADATA_SUFFIX))) {
    const name = entry.name.slice(0, -METADATA_SUFFIX.length);
    const file = path.join(folder, entry.name);
    if (!names.has(`${name}${OBJECT_SUFFIX}`)) {
      await fs.rm(file, { force: true });
      repair.orphans += 1;
    } else if (!isJsonObject(await readText(file))) {
      await quarantine(folder, name, path.join(quarantineDirectory, bucket, ...keyPrefix.split('/')));
      quarantined.add(name);
      repair.quarantined.push(`${keyPrefix}${name}`);
    }
  }
  for (const entry of listed.filter((e) => e.isFile() && e.name.endsWith(CHECKSUM_SUFFIX))) {
    const name = entry.name.slice(0, -CHECKSUM_SUFFIX.length);
    const file = path.join(folder, entry.name);
    if (quarantined.has(name)) continue;
    if (!names.has(`${name}${OBJECT_SUFFIX}`)) {
      await fs.rm(file, { force: true });
      repair.orphans += 1;
    } else if (!MD5_HEX.test(await readText(file))) {
      await fs.rm(file, { force: true });
      repair.checksumsReset += 1;
    }
  }
}

/** Moves an object's three files to the same place under the quarantine folder. */
async function quarantine(folder: string, name: string, destination: string): Promise<void> {
  await fs.mkdir(destination, { recursive: true, mode: 0o700 });
  for (const suffix of [OBJECT_SUFFIX, CHECKSUM_SUFFIX, METADATA_SUFFIX]) {
    try {
      await fs.rename(path.join(folder, `${name}${suffix}`), path.join(destination, `${name}${suffix}`));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

async function entries(folder: string): Promise<Dirent[]> {
  try {
    return await fs.readdir(folder, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function readText(file: string): Promise<string> {
  return (await fs.readFile(file)).toString('utf8');
}

function isJsonObject(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed);
  } catch {
    return false;
  }
}
