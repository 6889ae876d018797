import type { RetrieveAuth } from '../contract';
import { ARCHIVE_PREFIX } from '../contract';
import type { MemoryFunction } from '../memory-function';
import type { ArchiveBucket } from './archive-bucket';
import type { MemorySecrets } from './memory-secrets';

// What each function may touch: only the secrets its handler reads and only the archive prefixes
// it reads or writes, one statement each. (The ingest worker's idempotency table is granted by
// the ingest pipeline, which owns it.)

/** Pre-call: authenticates with the workspace key, signs memory tokens, reads Mem0, records `client-data/`. */
export function grantPreCall(fn: MemoryFunction, secrets: MemorySecrets, archive: ArchiveBucket): void {
  secrets.workspaceKey.grantRead(fn);
  secrets.memoryTokenKey.grantRead(fn);
  secrets.mem0ApiKey.grantRead(fn);
  archive.allow(fn, 's3:PutObject', ARCHIVE_PREFIX.clientData);
}

/**
 * In-call: reads only the keys its `retrieveAuth` mode checks (the memory token key unless
 * tokens are off, the static retrieve key unless only tokens are accepted) and Mem0's.
 */
export function grantInCall(fn: MemoryFunction, secrets: MemorySecrets, retrieveAuth: RetrieveAuth): void {
  if (retrieveAuth !== 'key') secrets.memoryTokenKey.grantRead(fn);
  if (retrieveAuth !== 'token') secrets.retrieveApiKey.grantRead(fn);
  secrets.mem0ApiKey.grantRead(fn);
}

/** Post-call: verifies with the HMAC key, writes `post-call/raw/` and `post-call/audio/`; no Mem0. */
export function grantPostCall(fn: MemoryFunction, secrets: MemorySecrets, archive: ArchiveBucket): void {
  secrets.hmacKey.grantRead(fn);
  archive.allow(fn, 's3:PutObject', ARCHIVE_PREFIX.rawPostCall);
  archive.allow(fn, 's3:PutObject', ARCHIVE_PREFIX.audio);
}

/**
 * Ingest worker: reads Mem0's key and the raw payloads, writes what it derives under
 * `post-call/`; with recording downloads, the ElevenLabs key and the recordings.
 */
export function grantIngestWorker(fn: MemoryFunction, secrets: MemorySecrets, archive: ArchiveBucket): void {
  secrets.mem0ApiKey.grantRead(fn);
  archive.allow(fn, 's3:GetObject', ARCHIVE_PREFIX.rawPostCall);
  archive.allow(fn, 's3:PutObject', ARCHIVE_PREFIX.postCall);
  if (secrets.elevenLabsApiKey) {
    // Recordings: streamed with a multipart upload (its parts are s3:PutObject), aborted on
    // failure, and looked up (HEAD needs s3:GetObject) so none is downloaded twice.
    secrets.elevenLabsApiKey.grantRead(fn);
    archive.allow(fn, 's3:PutObject', ARCHIVE_PREFIX.audio);
    archive.allow(fn, 's3:GetObject', ARCHIVE_PREFIX.audio);
    archive.allow(fn, 's3:AbortMultipartUpload', ARCHIVE_PREFIX.audio);
  }
}

/** Retention job: reads Mem0's key; never the archive. */
export function grantRetention(fn: MemoryFunction<'retention'>, secrets: MemorySecrets): void {
  secrets.mem0ApiKey.grantRead(fn);
}
