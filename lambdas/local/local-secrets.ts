import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

/** The keys the endpoints check or sign with, under the names the handlers' Secrets use. */
export interface LocalKeys {
  /** Pre-call: the X-Workspace-Key header value. */
  workspaceKey: string;
  /** In-call: the X-Api-Key header value. */
  retrieveApiKey: string;
  /** Post-call: the HMAC secret of the ElevenLabs-Signature header. */
  hmacKey: string;
  /** Pre-call signs, in-call checks, the per-call memory tokens with it; it never leaves this machine. */
  memoryTokenKey: string;
}

export type KeyName = keyof LocalKeys;
export type KeySource = 'environment' | 'data directory' | 'generated now';
/** What a start did with a key given in the environment: keys.json keeps it for the starts without the variable. */
export type EnvironmentKeySaving = 'saved now' | 'already saved' | 'replaced the saved key';

/** The environment variable that sets each key. */
export const KEY_ENV: Record<KeyName, string> = {
  workspaceKey: 'ELEVENLABS_WORKSPACE_KEY',
  retrieveApiKey: 'RETRIEVE_API_KEY',
  hmacKey: 'ELEVENLABS_HMAC_KEY',
  memoryTokenKey: 'MEMORY_TOKEN_KEY',
};

const KEY_NAMES = Object.keys(KEY_ENV) as KeyName[];
export const KEYS_FILE = 'keys.json';

/** ElevenLabs webhook secrets read `wsec_` + 64 hex digits: generated ones look the same. */
const GENERATORS: Record<KeyName, () => string> = {
  workspaceKey: () => `wk_${randomBytes(24).toString('base64url')}`,
  retrieveApiKey: () => `rk_${randomBytes(24).toString('base64url')}`,
  hmacKey: () => `wsec_${randomBytes(32).toString('hex')}`,
  memoryTokenKey: () => `mtk_${randomBytes(32).toString('base64url')}`,
};

type Env = Record<string, string | undefined>;

export interface LoadedKeys {
  keys: LocalKeys;
  sources: Record<KeyName, KeySource>;
  /** For each key given in the environment, what keys.json holds now. */
  savedFromEnvironment: Partial<Record<KeyName, EnvironmentKeySaving>>;
  file: string;
}

/**
 * The keys of the local stack: each from its environment variable when set, otherwise the one
 * kept in `<home>/keys.json` (mode 0600), otherwise a new random one. Whatever a start uses is
 * kept in keys.json for the next start: a generated key, and a key given in the environment too
 * (the HMAC secret ElevenLabs generated must outlive the shell it was exported in, or the next
 * start without the variable would sign with a new key and real deliveries would fail).
 */
export async function loadOrCreateLocalKeys(home: string, env: Env): Promise<LoadedKeys> {
  const file = path.join(home, KEYS_FILE);
  const saved = await readSavedKeys(file);
  const keys = {} as LocalKeys;
  const sources = {} as Record<KeyName, KeySource>;
  const savedFromEnvironment: LoadedKeys['savedFromEnvironment'] = {};
  let changed = false;
  for (const name of KEY_NAMES) {
    const fromEnv = env[KEY_ENV[name]]?.trim();
    if (fromEnv) {
      keys[name] = fromEnv;
      sources[name] = 'environment';
      savedFromEnvironment[name] =
        saved[name] === fromEnv ? 'already saved' : saved[name] ? 'replaced the saved key' : 'saved now';
      changed ||= saved[name] !== fromEnv;
      saved[name] = fromEnv;
    } else if (saved[name]) {
      keys[name] = saved[name];
      sources[name] = 'data directory';
    } else {
      saved[name] = keys[name] = GENERATORS[name]();
      sources[name] = 'generated now';
      changed = true;
    }
  }
  if (changed) await saveKeys(file, saved);
  else await chmod(file, 0o600);
  return { keys, sources, savedFromEnvironment, file };
}

/** The keys a running stack uses, for clients (the simulator): environment first, then the file. */
export async function readLocalKeys(home: string, env: Env): Promise<LocalKeys> {
  const file = path.join(home, KEYS_FILE);
  const saved = await readSavedKeys(file);
  const keys = {} as LocalKeys;
  for (const name of KEY_NAMES) {
    const value = env[KEY_ENV[name]]?.trim() || saved[name];
    if (!value) {
      throw new Error(`no ${KEY_ENV[name]}: set it, or start the stack once (npm start) so that ${file} exists`);
    }
    keys[name] = value;
  }
  return keys;
}

/** Saves one key in the data directory (the admin CLI's `secrets`); a running stack uses it from its next start. */
export async function setLocalKey(home: string, name: KeyName, value: string): Promise<string> {
  const file = path.join(home, KEYS_FILE);
  const saved = await readSavedKeys(file);
  saved[name] = value;
  await saveKeys(file, saved);
  return file;
}

async function readSavedKeys(file: string): Promise<Partial<LocalKeys>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`${file} is not valid JSON: fix it, or delete it to have new keys generated`);
  }
  const saved: Partial<LocalKeys> = {};
  for (const name of KEY_NAMES) {
    const value = parsed[name];
    if (typeof value === 'string' && value !== '') saved[name] = value;
  }
  return saved;
}

async function saveKeys(file: string, keys: Partial<LocalKeys>): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const partial = `${file}.partial`;
  await writeFile(partial, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  // writeFile's mode applies only when it creates the file.
  await chmod(partial, 0o600);
  await rename(partial, file);
}
