import { randomUUID } from 'node:crypto';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { S3Event, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createClientDataHandler } from '../../lambdas/client-data/handler';
import { createIngestHandler } from '../../lambdas/ingest/handler';
import { idempotentWrites } from '../../lambdas/ingest/idempotency';
import { createPayloadIngester } from '../../lambdas/ingest/ingest-archived-payload';
import type { RecordingArchiver } from '../../lambdas/ingest/archive-recording';
import { createPostCallHandler } from '../../lambdas/post-call/handler';
import { createRetrieveHandler } from '../../lambdas/retrieve/handler';
import { RAW_POST_CALL_PREFIX, type Archive } from '../../lambdas/shared/archive';
import { StaticSecrets, clientDataSettings, ingestSettings, retrieveSettings } from '../../lambdas/shared/config';
import { SourceAllowList, type HttpEndpoint } from '../../lambdas/shared/http';
import { createPowertools, type Powertools } from '../../lambdas/shared/powertools';
import type { AgentCoreLoopbackServer } from './agentcore-server';
import { startLocalDynamoDB, type LocalDynamoDB } from './dynamodb';
import { apiGatewayEvent, lambdaContext } from './http-event';
import type { Mem0LoopbackServer } from './mem0-server';
import { AgentCorePeer, Mem0Peer, startMemoryPeer, type MemoryBackendUnderTest, type MemoryPeer } from './memory-peers';
import { startLocalS3, type LocalS3 } from './s3';
import { TEST_WEBHOOK_SECRET, signedPostCall } from './signing';

export const WORKSPACE_KEY = 'wk_test_workspace_key_0123456789';
export const RETRIEVE_KEY = 'rk_test_retrieve_key_0123456789';
export const MEMORY_TOKEN_KEY = 'mtk_test_memory_token_key_0123456789';

export interface TestBedOptions {
  /**
   * Where memories live: Mem0 (the real mem0ai client against the Mem0-route server) or
   * AgentCore (the real @aws-sdk/client-bedrock-agentcore client against the AgentCore
   * data-plane server, each request aborted at the function's own deadline as the AgentCore
   * entries configure it). Default mem0.
   */
  memory?: MemoryBackendUnderTest;
  /** Environment the handlers' settings are read from (e.g. MEMORY_DEADLINE_MS). */
  env?: Record<string, string>;
  memoryWriteDeadlineMs?: number;
  /** Source-address allow-list of the two webhooks (comma-separated, as in the environment). */
  allowedSourceIps?: string;
  /** Replaces the S3 archive (e.g. one that fails) for every handler. */
  archive?: (real: Archive) => Archive;
  /** The ingest worker's recording downloader (deployments with an ElevenLabs API key). */
  recordings?: (s3: LocalS3) => RecordingArchiver;
}

/**
 * The four handlers wired as on AWS but to real peers on loopback: the real mem0ai client
 * against the Mem0-route server (or, with `memory: 'agentcore'`, the real AgentCore client
 * against the AgentCore data-plane server), the real S3 client against s3rver, Powertools
 * idempotency against dynalite. Ingestion is driven by s3rver's object-created events, delivered
 * to the ingest handler as SQS messages when `drainIngest()` is called.
 */
export class TestBed {
  readonly tools: Record<'clientData' | 'retrieve' | 'postCall' | 'ingest', Powertools> = {
    clientData: createPowertools('client-data'),
    retrieve: createPowertools('retrieve'),
    postCall: createPowertools('post-call'),
    ingest: createPowertools('ingest'),
  };
  clientData!: HttpEndpoint;
  retrieve!: HttpEndpoint;
  postCall!: HttpEndpoint;
  private ingest!: ReturnType<typeof createIngestHandler>;
  private readonly notifications: S3Event[] = [];
  private unsubscribe?: () => void;

  private constructor(
    /** The memory store's server, in either backend's terms. */
    readonly memory: MemoryPeer,
    readonly s3: LocalS3,
    readonly dynamodb: LocalDynamoDB,
  ) {}

  /** The Mem0-route server (a bed on Mem0 only). */
  get mem0(): Mem0LoopbackServer {
    if (!(this.memory instanceof Mem0Peer)) throw new Error('this test bed keeps memories in AgentCore, not Mem0');
    return this.memory.server;
  }

  /** The AgentCore data-plane server (a bed on AgentCore only). */
  get agentCore(): AgentCoreLoopbackServer {
    if (!(this.memory instanceof AgentCorePeer)) throw new Error('this test bed keeps memories in Mem0, not AgentCore');
    return this.memory.server;
  }

  static async start(options: TestBedOptions = {}): Promise<TestBed> {
    const [memory, s3, dynamodb] = await Promise.all([
      startMemoryPeer(options.memory ?? 'mem0'),
      startLocalS3(),
      startLocalDynamoDB(),
    ]);
    const bed = new TestBed(memory, s3, dynamodb);
    const table = `idempotency-${randomUUID()}`;
    await dynamodb.createIdempotencyTable(table);
    try {
      bed.wire(options, table);
    } catch (error) {
      await bed.stop();
      throw error;
    }
    // As the construct's bucket notification: only the post-call inbox reaches the queue.
    bed.unsubscribe = s3.onObjectCreated((event) => {
      if (event.Records.some((r) => r.s3.object.key.startsWith(RAW_POST_CALL_PREFIX))) bed.notifications.push(event);
    });
    return bed;
  }

  private wire(options: TestBedOptions, table: string) {
    const env = options.env ?? {};
    const secrets = new StaticSecrets({
      ...(this.memory instanceof Mem0Peer ? { mem0ApiKey: this.memory.server.apiKey } : {}),
      hmacKey: TEST_WEBHOOK_SECRET,
      workspaceKey: WORKSPACE_KEY,
      retrieveApiKey: RETRIEVE_KEY,
      memoryTokenKey: MEMORY_TOKEN_KEY,
    });
    const archive = options.archive ? options.archive(this.s3.archive) : this.s3.archive;
    const allowList = SourceAllowList.fromEnvironment(options.allowedSourceIps);
    const clientDataConfig = clientDataSettings(env);
    const retrieveConfig = retrieveSettings(env);
    const memoryWriteDeadlineMs = options.memoryWriteDeadlineMs ?? 2000;
    this.clientData = createClientDataHandler({
      secrets,
      memory: this.memory.store({ requestTimeoutMs: clientDataConfig.memoryDeadlineMs }),
      archive,
      settings: clientDataConfig,
      tools: this.tools.clientData,
      allowList,
    });
    this.retrieve = createRetrieveHandler({
      secrets,
      memory: this.memory.store({ requestTimeoutMs: retrieveConfig.memoryDeadlineMs }),
      settings: retrieveConfig,
      tools: this.tools.retrieve,
    });
    this.postCall = createPostCallHandler({ secrets, archive, tools: this.tools.postCall, allowList });
    const persistence = new DynamoDBPersistenceLayer({
      tableName: table,
      clientConfig: {
        endpoint: this.dynamodb.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      },
    });
    this.ingest = createIngestHandler({
      tools: this.tools.ingest,
      ingestArchivedPayload: createPayloadIngester({
        archive,
        memory: this.memory.store({ requestTimeoutMs: memoryWriteDeadlineMs }),
        tools: this.tools.ingest,
        memoryWriteDeadlineMs,
        memoryScope: ingestSettings(env).memoryScope,
        idempotency: idempotentWrites(persistence),
        recordings: options.recordings?.(this.s3),
      }),
    });
  }

  /** POSTs a body to the pre-call endpoint with the workspace key (override headers to test auth). */
  callClientData(
    body: unknown,
    headers: Record<string, string> = { 'x-workspace-key': WORKSPACE_KEY },
    sourceIp?: string,
  ) {
    return this.clientData(apiGatewayEvent({ body: body as object, headers, sourceIp }), lambdaContext('client-data'));
  }

  callRetrieve(body: unknown, headers: Record<string, string> = { 'x-api-key': RETRIEVE_KEY }) {
    return this.retrieve(apiGatewayEvent({ body: body as object, headers }), lambdaContext('retrieve'));
  }

  /** Signs and POSTs a post-call webhook, as ElevenLabs does. */
  deliverPostCall(payload: object | Buffer | string, options: { base64?: boolean; sourceIp?: string } = {}) {
    const { rawBody, signature } = signedPostCall(payload);
    return this.postCall(
      apiGatewayEvent({
        body: rawBody,
        base64: options.base64,
        sourceIp: options.sourceIp,
        headers: { 'elevenlabs-signature': signature },
      }),
      lambdaContext('post-call'),
    );
  }

  /** Delivers every object-created notification so far to the ingest worker, as one SQS batch. */
  async drainIngest(): Promise<SQSBatchResponse> {
    const pending = this.notifications.splice(0);
    return this.ingest(sqsBatch(pending), lambdaContext('ingest'));
  }

  /** Delivers the given notifications again (what SQS does for a failed record), as receive number `receiveCount`. */
  redeliver(events: S3Event[], receiveCount = 2): Promise<SQSBatchResponse> {
    return this.ingest(sqsBatch(events, receiveCount), lambdaContext('ingest'));
  }

  /** Notifications received and not yet drained. */
  pendingNotifications(): S3Event[] {
    return [...this.notifications];
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await Promise.all([this.memory.close(), this.s3.close(), this.dynamodb.close()]);
  }
}

export function sqsBatch(events: S3Event[], receiveCount = 1): SQSEvent {
  return {
    Records: events.map((event) => ({
      messageId: randomUUID(),
      receiptHandle: randomUUID(),
      body: JSON.stringify(event),
      attributes: {
        ApproximateReceiveCount: String(receiveCount),
        SentTimestamp: String(Date.now()),
        SenderId: 'AIDAEXAMPLE',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:agentic-memory-ingest',
      awsRegion: 'us-east-1',
    })),
  };
}

export function json(response: { body: string }): Record<string, unknown> {
  return JSON.parse(response.body) as Record<string, unknown>;
}
