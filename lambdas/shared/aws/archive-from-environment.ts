import { S3Archive, createS3Client } from '../archive/archive';
import { ENV, requiredEnv } from '../config';

/** The archive bucket from the function's environment, built once per cold start. */
export function archiveFromEnvironment(env = process.env): S3Archive {
  return new S3Archive(createS3Client({ endpoint: env[ENV.archiveEndpoint] }), requiredEnv(ENV.archiveBucket, env));
}
