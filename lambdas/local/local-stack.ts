import { mkdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSEvent } from 'aws-lambda';
import { createClientDataHandler } from '../client-data/handler';
import { archivedKeys, createIngestHandler } from '../ingest/handler';
import { idempotentWrites } from '../ingest/idempotency';
import { createPayloadIngester } from '../ingest/ingest-archived-payload';
import { createRecordingArchiver, type RecordingArchiver } from '../ingest/archive-recording';
import { createPostCallHandler } from '../post-call/handler';
import { createRetrieveHandler } from '../retrieve/handler';
import { RAW_POST_CALL_PREFIX, type S3Archive } from '../shared/archive';
import { S3RecordingArchive } from '../shared/archive/recording-archive';
import type { MemoryScope } from '../shared/caller';
import { ElevenLabsRecordings } from '../shared/elevenlabs/recordings';
import {
  ENV,
  StaticSecrets,
  clientDataSettings,
  ingestSettings,
  retrieveSettings,
  type RetrieveAuth,
} from '../shared/config';
import { SourceAllowList, jsonResponse } from '../shared/http';
import { lockDataDirectory } from './data-directory-lock';
import { DeadLetterFolder } from './dead-letter-folder';
import { failureCause } from './failure-cause';
import { objectCreatedNotification, startEmbeddedS3, type EmbeddedS3 } from './embedded-s3';
import { FileIdempotencyStore } from './file-idempotency-store';
import { HttpBridge, type Route } from './http-bridge';
import { InProcessQueue, type QueueMessage } from './in-process-queue';
import { IngestLedger } from './ingest-ledger';
import { localMemoryBackend, localMemoryStore, type LocalMemoryBackend } from './local-memory-store';
import { createLocalPowertools, writeToConsole, type LocalLogOptions } from './local-powertools';
import {
  loadOrCreateLocalKeys,
  type EnvironmentKeySaving,
  type KeyName,
  type KeySource,
  type LocalKeys,
} from './local-secrets';
import { removeStackDescriptor, writeStackDescriptor } from './stack-descriptor';

type Env = Record<string, string | undefined>;

export interface IngestQueueOptions {
  /** Deliveries before a payload is dead-lettered. */
  maxReceiveCount: number;
  /** First redelivery delay; doubled after each further failure. */
  retryDelayMs: number;
  maxRetryDelayMs: number;
}

export interface LocalStackOptions {
  /** 0: an ephemeral port. Default 3000. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The data directory: archive, memory, keys, idempotency records, dead letters. */
  home: string;
  /** Configuration, as the Lambda functions read it from theirs. Default process.env. */
  env?: Env;
  /** Default: LOG_FORMAT (pretty unless "json"), POWERTOOLS_LOG_LEVEL, to the console. */
  log?: Partial<LocalLogOptions>;
  ingest?: Partial<IngestQueueOptions>;
}

export interface LocalStack {
  /** `http://<host>:<port>` */
  url: string;
  urls: { clientData: string; retrieve: string; postCall: string; health: string };
  keys: LocalKeys;
  keySources: Record<KeyName, KeySource>;
  /** Keys given in the environment, kept in `keysFile` for the next start. */
  keysSavedFromEnvironment: Partial<Record<KeyName, EnvironmentKeySaving>>;
  keysFile: string;
  home: string;
  memoryBackend: LocalMemoryBackend;
  /** The embedded S3 server of the archive. */
  archive: { endpoint: string; bucket: string };
  /** As read from the environment: whose memory a call uses, how a search authenticates, the token lifetime. */
  configuration: LocalConfiguration;
  /** Resolves once every archived post-call payload so far has been ingested (or dead-lettered). */
  ingestIdle(): Promise<void>;
  /** Answers the requests in flight, finishes the ingest batch in flight, then stops everything. */
  stop(): Promise<void>;
}

export interface LocalConfiguration {
  memoryScope: MemoryScope;
  retrieveAuth: RetrieveAuth;
  memoryTokenTtlSeconds: number;
}

export const DEFAULT_PORT = 3000;
export const DEFAULT_HOST = '127.0.0.1';

const DEFAULT_INGEST: IngestQueueOptions = { maxReceiveCount: 5, retryDelayMs: 1000, maxRetryDelayMs: 60_000 };
const FUNCTION_NAMES = {
  clientData: 'agentic-memory-client-data',
  retrieve: 'agentic-memory-retrieve',
  postCall: 'agentic-memory-post-call',
  ingest: 'agentic-memory-ingest',
} as const;

/**
 * AgenticMemory on one machine: the Lambda handlers, unchanged, behind an HTTP server that
 * speaks API Gateway's event format; the archive in an embedded S3 server; the ingest worker fed
 * by the archive's object-created notifications through an in-process queue. Only the adapters
 * differ from AWS: keys from the environment or the data directory, the embedded memory store
 * (or Mem0 when MEM0_API_KEY is set), idempotency records in files.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const env = options.env ?? process.env;
  const home = path.resolve(options.home);
  const log = logOptions(options.log, env);
  const ingest = { ...DEFAULT_INGEST, ...options.ingest };
  // Configuration errors surface before anything starts.
  const settings = {
    clientData: clientDataSettings(env),
    retrieve: retrieveSettings(env),
    ingest: ingestSettings(env),
  };
  const allowList = SourceAllowList.fromEnvironment(env[ENV.allowedSourceIps]);
  const configuration: LocalConfiguration = {
    memoryScope: settings.retrieve.memoryScope,
    retrieveAuth: settings.retrieve.retrieveAuth,
    memoryTokenTtlSeconds: settings.clientData.memoryTokenTtlSeconds,
  };
  applyProcessDefaults(env);

  // The port first: a start that cannot have it (in use, not allowed) fails before it creates anything.
  const stackLogger = createLocalPowertools('local', log).logger;
  const http = new HttpBridge(undefined, stackLogger);
  const host = options.host ?? DEFAULT_HOST;
  const port = await http.listen(options.port ?? DEFAULT_PORT, host);
  // Stopping: no new requests and the ones in flight answered first, then the rest in reverse order.
  const cleanups: Array<() => Promise<void>> = [];
  const cleanUp = async () => {
    await http.close();
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  // The first directory this start made (the data directory, or a parent of it), if any.
  let createdDirectory: string | undefined;
  let locked = false;

  try {
    createdDirectory = await mkdir(home, { recursive: true, mode: 0o700 });
    const lock = await lockDataDirectory(home);
    locked = true;
    cleanups.push(() => lock.release());
    const {
      keys,
      sources: keySources,
      savedFromEnvironment: keysSavedFromEnvironment,
      file: keysFile,
    } = await loadOrCreateLocalKeys(home, env);
    const mem0ApiKey = env.MEM0_API_KEY?.trim() || undefined;
    const secrets = new StaticSecrets({ ...keys, ...(mem0ApiKey ? { mem0ApiKey } : {}) });
    const memoryBackend = localMemoryBackend(env);
    const memory = localMemoryStore(memoryBackend, {
      env,
      home,
      secrets,
      requestTimeoutMs: settings.ingest.memoryWriteDeadlineMs,
    });

    // Repairs what a crash left half-written before it serves (see embedded-s3.ts).
    const s3 = await startEmbeddedS3({
      directory: path.join(home, 's3'),
      quarantineDirectory: path.join(home, 's3-quarantine'),
    });
    cleanups.push(() => s3.close());
    logArchiveRepair(stackLogger, s3);

    const ingestTools = createLocalPowertools('ingest', log);
    const idempotency = new FileIdempotencyStore({
      directory: path.join(home, 'idempotency'),
      // A write that outlives its own deadline is abandoned: its key may then be taken again.
      inProgressLeaseMs: settings.ingest.memoryWriteDeadlineMs + 5000,
    });
    await idempotency.sweepExpired();
    // Inbox keys resumed after an unclean stop (filled in below, before anything is delivered).
    const resumed = new Set<string>();
    const ingestHandler = createIngestHandler({
      tools: ingestTools,
      ingestArchivedPayload: createPayloadIngester({
        archive: s3.archive,
        memory,
        tools: ingestTools,
        memoryWriteDeadlineMs: settings.ingest.memoryWriteDeadlineMs,
        memoryScope: settings.ingest.memoryScope,
        idempotency: idempotentWrites(idempotency),
        recordings: localRecordings(env, s3.archive, settings.ingest.recordingDeadlineMs),
      }),
      // Why a record failed, kept with its dead letter (`queue` is made below, before anything is delivered).
      onRecordFailed: (record, error) => queue.recordFailure(record.messageId, failureCause(error)),
    });

    const ledger = await IngestLedger.open(path.join(home, 'ingest-ledger.jsonl'));
    const deadLetters = new DeadLetterFolder(path.join(home, 'dead-letter'));
    const queue = new InProcessQueue({
      name: 'agentic-memory-ingest',
      handler: (event, context) => ingestHandler(asRedeliveries(event, resumed), context),
      functionName: FUNCTION_NAMES.ingest,
      functionTimeoutMs: 60_000,
      batchSize: 10,
      ...ingest,
      logger: stackLogger,
      onDelivered: async (message) => {
        for (const key of archivedKeys(message.body)) await ledger.record(key);
      },
      onDeadLetter: async (message, reason) => {
        const file = await deadLetters.put(deadLetterOf(message, reason));
        stackLogger.error(
          'ingest gave up: payload dead-lettered (it stays archived; delete the file and restart to retry)',
          {
            deliveries: message.receiveCount,
            file,
          },
        );
      },
    });
    cleanups.push(() => queue.stop());

    // The S3 → SQS notification of the AWS stack: only the post-call inbox triggers ingestion.
    const unsubscribe = s3.onObjectCreated((notification) => {
      for (const record of notification.Records) {
        const body = JSON.stringify({ Records: [record] });
        if (archivedKeys(body).some((key) => key.startsWith(RAW_POST_CALL_PREFIX))) queue.send(body);
      }
    });
    cleanups.push(async () => unsubscribe());

    // Archived (so acknowledged) but never ingested: a crash, a stop with work in backoff.
    const deadLettered = await deadLetters.keys();
    const unfinished = (await s3.listObjects(RAW_POST_CALL_PREFIX)).filter(
      (object) => !ledger.has(object.key) && !deadLettered.has(object.key),
    );
    for (const object of unfinished) {
      resumed.add(object.key);
      queue.send(JSON.stringify(objectCreatedNotification(s3.bucket, object)));
    }
    if (unfinished.length > 0) {
      const payloads = unfinished.length === 1 ? 'payload' : 'payloads';
      stackLogger.info(`resuming ingestion of ${unfinished.length} archived post-call ${payloads}`);
    }

    const routes: Route[] = [
      {
        method: 'POST',
        path: '/client-data',
        functionName: FUNCTION_NAMES.clientData,
        handler: createClientDataHandler({
          secrets,
          memory,
          archive: s3.archive,
          settings: settings.clientData,
          tools: createLocalPowertools('client-data', log),
          allowList,
        }),
      },
      {
        method: 'POST',
        path: '/retrieve',
        functionName: FUNCTION_NAMES.retrieve,
        handler: createRetrieveHandler({
          secrets,
          memory,
          settings: settings.retrieve,
          tools: createLocalPowertools('retrieve', log),
        }),
      },
      {
        method: 'POST',
        path: '/post-call',
        functionName: FUNCTION_NAMES.postCall,
        handler: createPostCallHandler({
          secrets,
          archive: s3.archive,
          tools: createLocalPowertools('post-call', log),
          allowList,
        }),
      },
      {
        method: 'GET',
        path: '/health',
        functionName: 'local-health',
        handler: async () =>
          jsonResponse(200, {
            status: 'ok',
            memory: memoryBackend,
            ingestQueueDepth: queue.depth,
            ingestOldestMessageAgeSeconds: ageSeconds(queue.oldestSentAt),
          }),
      },
    ];
    http.setRoutes(routes);

    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    // For the admin CLI on the same directory: where this stack's endpoints and archive listen.
    await writeStackDescriptor(home, {
      pid: process.pid,
      url,
      archiveEndpoint: s3.endpoint,
      bucket: s3.bucket,
      memoryBackend,
      startedAt: new Date().toISOString(),
      configuration: {
        memoryScope: configuration.memoryScope.mode,
        ...(configuration.memoryScope.agentScopes
          ? { memoryScopeMap: JSON.stringify(scopeGroups(configuration.memoryScope)) }
          : {}),
        retrieveAuth: configuration.retrieveAuth,
      },
    });
    cleanups.push(() => removeStackDescriptor(home));
    let stopping: Promise<void> | undefined;
    return {
      url,
      urls: {
        clientData: `${url}/client-data`,
        retrieve: `${url}/retrieve`,
        postCall: `${url}/post-call`,
        health: `${url}/health`,
      },
      keys,
      keySources,
      keysSavedFromEnvironment,
      keysFile,
      home,
      memoryBackend,
      archive: { endpoint: s3.endpoint, bucket: s3.bucket },
      configuration,
      ingestIdle: () => queue.idle(),
      stop: () => (stopping ??= cleanUp()),
    };
  } catch (error) {
    await cleanUp();
    // A data directory this start made holds nothing anyone else wrote (they would have needed its lock).
    if (createdDirectory && locked) await rm(createdDirectory, { recursive: true, force: true });
    throw error;
  }
}

/** The scope map as configured: each scope name with its agent ids. */
export function scopeGroups(scope: MemoryScope): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const [agent, name] of scope.agentScopes ?? []) (groups[name] ??= []).push(agent);
  return groups;
}

/**
 * A payload resumed after an unclean stop may have been delivered before: killed after a memory
 * was written and before that was recorded. On AWS, SQS's receive count tells the worker so and
 * it looks at the store before writing again; here the resumed delivery says the same.
 */
function asRedeliveries(event: SQSEvent, resumed: ReadonlySet<string>): SQSEvent {
  if (resumed.size === 0) return event;
  return {
    Records: event.Records.map((record) => {
      const count = Number(record.attributes.ApproximateReceiveCount);
      if (count > 1 || !archivedKeys(record.body).some((key) => resumed.has(key))) return record;
      return { ...record, attributes: { ...record.attributes, ApproximateReceiveCount: String(count + 1) } };
    }),
  };
}

/** Keys can hold phone numbers: only counts and the quarantine folder are logged. */
function logArchiveRepair(logger: Logger, s3: EmbeddedS3): void {
  const { partialWrites, orphans, checksumsReset, quarantined } = s3.repair;
  if (partialWrites + orphans + checksumsReset > 0) {
    logger.info('archive: removed what an unclean stop left half-written (none of it was acknowledged)', {
      partialWrites,
      orphans,
      checksumsReset,
    });
  }
  if (quarantined.length > 0) {
    logger.warn('archive: objects an unclean stop left unreadable were set aside (none was acknowledged)', {
      objects: quarantined.length,
      folder: s3.quarantineDirectory,
    });
  }
}

/** With ELEVENLABS_API_KEY set, recordings are downloaded as on AWS with the ElevenLabs API key secret. */
function localRecordings(env: Env, archive: S3Archive, deadlineMs: number): RecordingArchiver | undefined {
  const apiKey = env.ELEVENLABS_API_KEY?.trim();
  if (!apiKey) return undefined;
  return createRecordingArchiver({
    source: new ElevenLabsRecordings(async () => apiKey, env[ENV.elevenLabsApiHost]?.trim() || undefined),
    archive: new S3RecordingArchive(archive.s3, archive.bucket),
    deadlineMs,
  });
}

function ageSeconds(sentAt: number | undefined): number | null {
  return sentAt === undefined ? null : Math.max(0, Math.round((Date.now() - sentAt) / 1000));
}

function deadLetterOf(message: QueueMessage, reason: string) {
  return { keys: archivedKeys(message.body), reason, deadLetteredAt: new Date().toISOString(), message };
}

function logOptions(given: Partial<LocalLogOptions> | undefined, env: Env): LocalLogOptions {
  const format = given?.format ?? (env.LOG_FORMAT?.trim().toLowerCase() || 'pretty');
  if (format !== 'pretty' && format !== 'json') {
    throw new Error(`invalid configuration: LOG_FORMAT must be "pretty" or "json", not "${format}"`);
  }
  return {
    format,
    level: given?.level ?? (env.POWERTOOLS_LOG_LEVEL || env.LOG_LEVEL || undefined),
    write: given?.write ?? writeToConsole,
    colours: given?.colours ?? (Boolean(process.stdout.isTTY) && !env.NO_COLOR),
  };
}

/**
 * Two libraries read their switches from process.env only: Powertools Metrics (on one machine
 * there is no CloudWatch to read EMF lines, so off unless asked for) and mem0ai's telemetry (call
 * data must not leave, ever).
 */
function applyProcessDefaults(env: Env): void {
  process.env.MEM0_TELEMETRY = 'false';
  process.env.POWERTOOLS_METRICS_DISABLED ??= env.POWERTOOLS_METRICS_DISABLED ?? 'true';
}
