import type { Secrets } from '../config';
import { ENV } from '../config/env-names';
import { Mem0MemoryStore, mem0Client } from '../memory/mem0-store';

/** Mem0 Cloud; the API key is read from Secrets Manager on first use, not at module load. */
export function mem0FromEnvironment(secrets: Secrets, env = process.env): Mem0MemoryStore {
  const host = env[ENV.mem0Host] || undefined;
  return new Mem0MemoryStore(async () => mem0Client(await secrets.get('mem0ApiKey'), host));
}
