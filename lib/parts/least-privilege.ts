import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { RetrieveAuth } from '../contract';
import { ARCHIVE_PREFIX } from '../contract';
import type { MemoryFunction } from '../memory-function';
import type { AgentCoreMemory } from './agentcore-memory';
import type { ArchiveBucket } from './archive-bucket';
import type { MemoryStoreFunctionKey } from './memory-functions';
import type { MemorySecrets } from './memory-secrets';

// What each function may touch: only the secrets its handler reads, only the archive prefixes
// it reads or writes, and of the memory store only what its handler uses, one statement each.
// (The ingest worker's idempotency table is granted by the ingest pipeline, which owns it.)

/** Where the functions keep memories, and what reaching them takes. */
export type MemoryStoreTarget =
  | { readonly backend: 'mem0'; readonly apiKey: secretsmanager.ISecret }
  | { readonly backend: 'agentcore'; readonly memory: AgentCoreMemory };

/**
 * The AgentCore requests each function's handler sends, from the memory-store methods it calls
 * (lambdas/shared/memory/agentcore-store.ts).
 */
export const AGENTCORE_ACTIONS = {
  // list(type): the type's records; for `semantic` also the latest session's events while
  // extraction lags (ListSessions, ListEvents).
  clientData: ['ListMemoryRecords', 'ListSessions', 'ListEvents'],
  // search(query): the caller's records by relevance.
  retrieve: ['RetrieveMemoryRecords'],
  // add(conversation): the session's events first (parts already written), then CreateEvent;
  // add(text): the namespace's records first, then BatchCreateMemoryRecords;
  // list(type, conversation), the redelivery check: both listings.
  ingest: ['CreateEvent', 'ListEvents', 'BatchCreateMemoryRecords', 'ListMemoryRecords'],
  // callerIds (ListActors, every record's namespace, a hashed actor's events), listAll (records,
  // sessions, events), deleteMemory (DeleteEvent; GetMemoryRecord, then DeleteMemoryRecord).
  retention: [
    'ListActors',
    'ListMemoryRecords',
    'ListSessions',
    'ListEvents',
    'GetMemoryRecord',
    'DeleteMemoryRecord',
    'DeleteEvent',
  ],
} as const satisfies Record<MemoryStoreFunctionKey, readonly string[]>;

/**
 * With a customer managed key: reading decrypts, writing also generates data keys, and only
 * through AgentCore (`kms:ViaService`).
 */
export const AGENTCORE_KEY_ACTIONS = {
  clientData: ['kms:Decrypt'],
  retrieve: ['kms:Decrypt'],
  ingest: ['kms:Decrypt', 'kms:GenerateDataKey'],
  retention: ['kms:Decrypt'],
} as const satisfies Record<MemoryStoreFunctionKey, readonly string[]>;

/** A function's access to the memory store: Mem0's API key, or its own AgentCore requests on the one memory. */
export function grantMemoryStore(fn: lambda.IFunction, which: MemoryStoreFunctionKey, store: MemoryStoreTarget): void {
  if (store.backend === 'mem0') store.apiKey.grantRead(fn);
  else store.memory.grant(fn, AGENTCORE_ACTIONS[which], AGENTCORE_KEY_ACTIONS[which]);
}

/** Pre-call: authenticates with the workspace key, signs memory tokens, reads memories, records `client-data/`. */
export function grantPreCall(
  fn: MemoryFunction,
  secrets: MemorySecrets,
  archive: ArchiveBucket,
  store: MemoryStoreTarget,
): void {
  secrets.workspaceKey.grantRead(fn);
  secrets.memoryTokenKey.grantRead(fn);
  grantMemoryStore(fn, 'clientData', store);
  archive.allow(fn, 's3:PutObject', ARCHIVE_PREFIX.clientData);
}

/**
 * In-call: reads only the keys its `retrieveAuth` mode checks (the memory token key unless
 * tokens are off, the static retrieve key unless only tokens are accepted), and searches memories.
 */
export function grantInCall(
  fn: MemoryFunction,
  secrets: MemorySecrets,
  retrieveAuth: RetrieveAuth,
  store: MemoryStoreTarget,
): void {
  if (retrieveAuth !== 'key') secrets.memoryTokenKey.grantRead(fn);
  if (retrieveAuth !== 'token') secrets.retrieveApiKey.grantRead(fn);
  grantMemoryStore(fn, 'retrieve', store);
}

/** Post-call: verifies with the HMAC key, writes `post-call/raw/` and `post-call/audio/`; no memory store. */
export function grantPostCall(fn: MemoryFunction, secrets: MemorySecrets, archive: ArchiveBucket): void {
  secrets.hmacKey.grantRead(fn);
  archive.allow(fn, 's3:PutObject', ARCHIVE_PREFIX.rawPostCall);
  archive.allow(fn, 's3:PutObject', ARCHIVE_PREFIX.audio);
}

/**
 * Ingest worker: reads the raw payloads, writes memories and what it derives under `post-call/`;
 * with recording downloads, the ElevenLabs key and the recordings.
 */
export function grantIngestWorker(
  fn: MemoryFunction,
  secrets: MemorySecrets,
  archive: ArchiveBucket,
  store: MemoryStoreTarget,
): void {
  grantMemoryStore(fn, 'ingest', store);
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

/** Retention job: lists and erases memories; never the archive. */
export function grantRetention(fn: MemoryFunction<'retention'>, store: MemoryStoreTarget): void {
  grantMemoryStore(fn, 'retention', store);
}
