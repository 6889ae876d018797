import { S3Archive, createS3Client } from '../archive';
import { ENV, requiredEnv, type Secrets } from '../config';
import { Mem0MemoryStore, mem0Client } from '../memory/mem0-store';

/**
 * How a Lambda builds its adapters from its environment, once per cold start. Each entry file
 * takes only what its function uses, so no function constructs a client it never calls.
 */
export function archiveFromEnvironment(env = process.env): S3Archive {
  return new S3Archive(createS3Client({ endpoint: env[ENV.archiveEndpoint] }), requiredEnv(ENV.archiveBucket, env));
}

/** Mem0 Cloud; the API key is read from Secrets Manager on first use, not at module load. */
export function mem0FromEnvironment(secrets: Secrets, env = process.env): Mem0MemoryStore {
  const host = env[ENV.mem0Host] || undefined;
  return new Mem0MemoryStore(async () => mem0Client(await secrets.get('mem0ApiKey'), host));
}
