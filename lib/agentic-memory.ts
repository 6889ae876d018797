import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as bedrockagentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { memoryBackendOf, retrieveAuthOf, type AgenticMemoryProps, type PerEndpoint } from './agentic-memory-props';
import { type MemoryBackendName, type ServiceName } from './contract';
import { MemoryFunction } from './memory-function';
import { memoryScopeMapVariable } from './memory-scope';
import { AgenticMemoryMonitoring } from './monitoring';
import { AgentCoreMemory } from './parts/agentcore-memory';
import { ArchiveBucket } from './parts/archive-bucket';
import { functionEnvironments, requireEnvironmentsWithinLimit } from './parts/function-environments';
import { HttpEndpoint } from './parts/http-endpoint';
import { IngestPipeline } from './parts/ingest-pipeline';
import { grantInCall, grantPostCall, grantPreCall, type MemoryStoreTarget } from './parts/least-privilege';
import { MemoryRetention } from './parts/memory-retention';
import { MemorySecrets } from './parts/memory-secrets';
import { validateProps } from './props-validation';

export {
  ELEVENLABS_WEBHOOK_IPS,
  MemoryBackend,
  type AgentCoreBackendOptions,
  type AgenticMemoryProps,
  type ArchiveRetention,
  type HttpThrottling,
  type ManagedSecretProps,
  type Mem0BackendOptions,
  type PerEndpoint,
  type PerFunction,
} from './agentic-memory-props';
export { ROUTE_PATH } from './parts/http-endpoint';
export type { ServiceName };

const DEFAULT_MEMORY_TOKEN_REJECTIONS_THRESHOLD = 5;

/**
 * Long-term caller memory for ElevenLabs voice agents: three HTTP endpoints (pre-call
 * client-data, in-call retrieve, post-call webhook), an ingest worker behind a queue, an
 * archive bucket, the secrets, and a dashboard with alarms. Nothing is required:
 * `new AgenticMemory(this, 'Memory')` deploys with secure defaults.
 *
 * Each concern is built by a part of its own (`lib/parts/`): the archive bucket, the secrets,
 * each HTTP endpoint, the ingest pipeline, the retention job; `AgenticMemoryMonitoring` draws
 * the dashboard and alarms. The parts create their resources directly in this construct, under
 * the ids they always had, so a deployed stack keeps its logical ids.
 */
export class AgenticMemory extends Construct {
  /** The archive bucket (created or yours). */
  public readonly archiveBucket: s3.IBucket;
  /** The bucket receiving the archive's server access logs, when the construct created one. */
  public readonly archiveAccessLogsBucket?: s3.Bucket;

  /** Where caller memories live: `mem0` or `agentcore` (`memory`). */
  public readonly memoryBackend: MemoryBackendName;
  /** The AgentCore memory's id, with the AgentCore backend. */
  public readonly agentCoreMemoryId?: string;
  /** The AgentCore memory's ARN, with the AgentCore backend. */
  public readonly agentCoreMemoryArn?: string;
  /** The AgentCore memory resource, when the construct created it (no `existingMemoryId`). */
  public readonly agentCoreMemory?: bedrockagentcore.CfnMemory;
  /** ElevenLabs post-call webhook HMAC key (set by the operator). */
  public readonly hmacKeySecret: secretsmanager.ISecret;
  /** Workspace key: the `X-Workspace-Key` header ElevenLabs sends to the pre-call webhook. */
  public readonly workspaceKeySecret: secretsmanager.ISecret;
  /**
   * Retrieve key: the `X-Api-Key` header of the `search_memory` tool. Created whatever
   * `retrieveAuth` is (so that switching modes keeps its value); with `'token'` no function can
   * read it.
   */
  public readonly retrieveApiKeySecret: secretsmanager.ISecret;
  /**
   * Memory token key: signs the per-call memory tokens. Read by the pre-call and in-call
   * functions only; it never leaves AWS.
   */
  public readonly memoryTokenKeySecret: secretsmanager.ISecret;
  /** ElevenLabs API key for recording downloads, when `downloadRecordings` is on. */
  public readonly elevenLabsApiKeySecret?: secretsmanager.ISecret;

  /** Pre-call: answers ElevenLabs' conversation-initiation webhook. */
  public readonly clientDataFunction: MemoryFunction;
  /** In-call: the `search_memory` server tool. */
  public readonly retrieveFunction: MemoryFunction;
  /** Post-call: verifies and archives ElevenLabs' post-call webhooks. */
  public readonly postCallFunction: MemoryFunction;
  /** Ingest worker: turns archived post-call payloads into memories. */
  public readonly ingestFunction: MemoryFunction;
  /** The scheduled job that erases memories past `memoryMaxAge`, when set. */
  public readonly retentionFunction?: MemoryFunction<'retention'>;
  /** The daily schedule of `retentionFunction`. */
  public readonly retentionSchedule?: events.Rule;

  /** The HTTP API of the pre-call webhook. */
  public readonly clientDataApi: apigwv2.HttpApi;
  /** The HTTP API of the `search_memory` tool. */
  public readonly retrieveApi: apigwv2.HttpApi;
  /** The HTTP API of the post-call webhook. */
  public readonly postCallApi: apigwv2.HttpApi;

  /** Each HTTP API's `$default` stage (throttling, access logs). */
  public readonly apiStages: Required<PerEndpoint<apigwv2.HttpStage>>;
  /** Each HTTP API's access log group. */
  public readonly apiAccessLogGroups: Required<PerEndpoint<logs.LogGroup>>;
  /** The `live` aliases the HTTP APIs invoke, for endpoints with provisioned concurrency. */
  public readonly provisionedAliases: PerEndpoint<lambda.Alias>;

  /** Full URL (with its path) to set as the conversation-initiation webhook. */
  public readonly clientDataUrl: string;
  /** Full URL (with its path) of the `search_memory` server tool. */
  public readonly retrieveUrl: string;
  /** Full URL (with its path) to set as the post-call webhook. */
  public readonly postCallUrl: string;

  /** S3 `post-call/raw/` notifications, waiting for the ingest worker. */
  public readonly ingestQueue: sqs.Queue;
  /** Notifications the ingest worker failed five times. */
  public readonly ingestDeadLetterQueue: sqs.Queue;
  /** Idempotency records of the ingest worker (Powertools idempotency). */
  public readonly idempotencyTable: dynamodb.Table;

  /** Dashboard and alarms. */
  public readonly monitoring: AgenticMemoryMonitoring;
  /** The CloudWatch dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;
  /** Every alarm. */
  public readonly alarms: cloudwatch.IAlarm[];

  private readonly mem0ApiKey?: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: AgenticMemoryProps = {}) {
    super(scope, id);
    validateProps(props);
    const scopeMap = memoryScopeMapVariable(props.memoryScope, props.memoryScopeMap);

    // Where every call is kept, and the keys the functions read.
    const archive = new ArchiveBucket(this, props);
    this.archiveBucket = archive.bucket;
    this.archiveAccessLogsBucket = archive.accessLogsBucket;
    const secrets = new MemorySecrets(this, props);
    this.mem0ApiKey = secrets.mem0ApiKey;
    this.hmacKeySecret = secrets.hmacKey;
    this.workspaceKeySecret = secrets.workspaceKey;
    this.retrieveApiKeySecret = secrets.retrieveApiKey;
    this.memoryTokenKeySecret = secrets.memoryTokenKey;
    this.elevenLabsApiKeySecret = secrets.elevenLabsApiKey;

    // Where memories live: Mem0 Cloud behind its API key, or an AgentCore memory in this account.
    this.memoryBackend = memoryBackendOf(props);
    const agentCore =
      props.memory?.agentCore !== undefined
        ? new AgentCoreMemory(this, { ...props, options: props.memory.agentCore })
        : undefined;
    this.agentCoreMemoryId = agentCore?.memoryId;
    this.agentCoreMemoryArn = agentCore?.memoryArn;
    this.agentCoreMemory = agentCore?.resource;
    const memoryStore: MemoryStoreTarget = agentCore
      ? { backend: 'agentcore', memory: agentCore }
      : { backend: 'mem0', apiKey: this.mem0ApiKeySecret };
    const environment = functionEnvironments(props, { archiveBucket: archive.bucket, secrets, scopeMap, memoryStore });

    // The three endpoints ElevenLabs calls, each function allowed only what its handler needs.
    const clientData = new HttpEndpoint(this, 'clientData', { ...props, environment: environment.clientData });
    const retrieve = new HttpEndpoint(this, 'retrieve', { ...props, environment: environment.retrieve });
    const postCall = new HttpEndpoint(this, 'postCall', { ...props, environment: environment.postCall });
    grantPreCall(clientData.function, secrets, archive, memoryStore);
    grantInCall(retrieve.function, secrets, retrieveAuthOf(props), memoryStore);
    grantPostCall(postCall.function, secrets, archive);
    this.clientDataFunction = clientData.function;
    this.retrieveFunction = retrieve.function;
    this.postCallFunction = postCall.function;
    this.clientDataApi = clientData.api;
    this.retrieveApi = retrieve.api;
    this.postCallApi = postCall.api;
    this.clientDataUrl = clientData.url;
    this.retrieveUrl = retrieve.url;
    this.postCallUrl = postCall.url;
    this.apiStages = { clientData: clientData.stage, retrieve: retrieve.stage, postCall: postCall.stage };
    this.apiAccessLogGroups = {
      clientData: clientData.accessLogs,
      retrieve: retrieve.accessLogs,
      postCall: postCall.accessLogs,
    };
    this.provisionedAliases = { clientData: clientData.alias, retrieve: retrieve.alias, postCall: postCall.alias };

    // After the call: each archived payload -> queue -> worker -> memories.
    const ingest = new IngestPipeline(this, {
      ...props,
      archive,
      secrets,
      memoryStore,
      environment: environment.ingest,
    });
    this.idempotencyTable = ingest.idempotencyTable;
    this.ingestFunction = ingest.worker;
    this.ingestQueue = ingest.queue;
    this.ingestDeadLetterQueue = ingest.deadLetterQueue;
    requireEnvironmentsWithinLimit(this.functions(), props, scopeMap);

    // Erasure of memories past memoryMaxAge, when asked for.
    const retention =
      props.memoryMaxAge !== undefined
        ? new MemoryRetention(this, { ...props, memoryStore, environment: environment.retention })
        : undefined;
    this.retentionFunction = retention?.function;
    this.retentionSchedule = retention?.schedule;

    // Operators' view.
    this.monitoring = new AgenticMemoryMonitoring(this, 'Monitoring', {
      endpoints: [clientData.monitoredEndpoint, retrieve.monitoredEndpoint, postCall.monitoredEndpoint],
      ingestFunction: ingest.worker,
      ingestQueue: ingest.queue,
      ingestDeadLetterQueue: ingest.deadLetterQueue,
      alarmTopic: props.alarmTopic,
      dashboardName: props.dashboardName,
      memoryTokenRejectionsThreshold:
        retrieveAuthOf(props) === 'key'
          ? undefined
          : (props.memoryTokenRejectionsThreshold ?? DEFAULT_MEMORY_TOKEN_REJECTIONS_THRESHOLD),
    });
    this.dashboard = this.monitoring.dashboard;
    this.alarms = this.monitoring.alarms;
    if (retention) this.alarms.push(retention.failedAlarm);
  }

  /**
   * Mem0 API key (set by the operator). With `MemoryBackend.agentCore()` there is no Mem0 secret
   * and reading this throws: it stays typed as always present so that apps written for Mem0
   * compile unchanged. Check `memoryBackend` first in code that serves both.
   */
  public get mem0ApiKeySecret(): secretsmanager.ISecret {
    if (!this.mem0ApiKey) {
      throw new Error(
        `AgenticMemory ${this.node.path}: no Mem0 API key secret: memories live in Amazon Bedrock AgentCore Memory (memoryBackend is '${this.memoryBackend}').`,
      );
    }
    return this.mem0ApiKey;
  }

  /** The four functions. */
  public functions(): MemoryFunction[] {
    return [this.clientDataFunction, this.retrieveFunction, this.postCallFunction, this.ingestFunction];
  }
}
