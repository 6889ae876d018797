import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  ARCHIVE_PREFIX,
  ENV,
  HANDLER_DEFAULTS,
  METRIC,
  RAW_POST_CALL_SUFFIX,
  SCHEDULED_SERVICE,
  SERVICE,
  type RetrieveAuth,
  type ServiceName,
} from './contract';
import { requireEnvironmentWithinLimit } from './environment-size';
import { MemoryFunction } from './memory-function';
import { memoryScopeMapVariable } from './memory-scope';
import { AgenticMemoryMonitoring } from './monitoring';
import { acknowledge } from './nag';
import { ArchiveBucket } from './parts/archive-bucket';
import { MemorySecrets } from './parts/memory-secrets';
import { validateProps } from './props-validation';
import {
  retrieveAuthOf,
  type AgenticMemoryProps,
  type HttpThrottling,
  type PerEndpoint,
  type PerFunction,
} from './agentic-memory-props';

export {
  ELEVENLABS_WEBHOOK_IPS,
  type AgenticMemoryProps,
  type ArchiveRetention,
  type HttpThrottling,
  type ManagedSecretProps,
  type PerEndpoint,
  type PerFunction,
} from './agentic-memory-props';

const DEFAULT_THROTTLING: Required<HttpThrottling> = { rateLimit: 50, burstLimit: 100 };
const DEFAULT_LATENCY_BUDGETS: Required<PerEndpoint<Duration>> = {
  clientData: Duration.millis(2500),
  retrieve: Duration.millis(2000),
  postCall: Duration.millis(3000),
};
const INGEST_BATCH_SIZE = 5;
const INGEST_MAX_RECEIVE_COUNT = 5;

/** Memory and timeout sized for each function's job. */
const FUNCTION_SIZING = {
  clientData: {
    description:
      "AgenticMemory pre-call: answers the ElevenLabs conversation-initiation webhook with the caller's memory",
    // 1 GB buys the CPU share that keeps cold starts and JSON work short on the caller's path.
    memorySize: 1024,
    timeout: Duration.seconds(10),
  },
  retrieve: {
    description: 'AgenticMemory in-call: the search_memory server tool',
    memorySize: 1024,
    timeout: Duration.seconds(10),
  },
  postCall: {
    description: 'AgenticMemory post-call: verifies and archives ElevenLabs post-call webhooks',
    // Bodies up to 6 MB (audio), decoded, hashed and stored in memory; answers within API Gateway's 30 s.
    memorySize: 1024,
    timeout: Duration.seconds(20),
  },
  ingest: {
    description: 'AgenticMemory ingest: writes archived post-call payloads to memory',
    // A batch of 5 payloads, each with a few Mem0 writes under a 10 s deadline.
    memorySize: 1024,
    timeout: Duration.minutes(2),
  },
  retention: {
    description: 'AgenticMemory retention: erases memories older than their maximum age, daily',
    memorySize: 512,
    // Every caller's memories listed and the old ones deleted, one request at a time; what
    // does not fit in one run is done by the next.
    timeout: Duration.minutes(15),
  },
} as const;

/**
 * With recording downloads the worker streams up to five recordings per batch, each under a
 * five-minute deadline (the handlers' RECORDING_DEADLINE_MS default).
 */
const INGEST_TIMEOUT_WITH_RECORDINGS = Duration.minutes(15);
const RETENTION_SCHEDULE = events.Schedule.cron({ minute: '17', hour: '3' });

const DEFAULT_MEMORY_TOKEN_REJECTIONS_THRESHOLD = 5;

/** Each function's service name: its handler folder and Powertools service. */
const SERVICE_OF = { ...SERVICE, ...SCHEDULED_SERVICE } as const;

/** How the retrieve endpoint authenticates, per `retrieveAuth`, for its cdk-nag acknowledgement. */
const RETRIEVE_AUTHENTICATION = {
  token:
    'the function verifies the per-call HMAC-SHA256 memory token (X-Memory-Token) in constant time before any other work, and searches only the caller it names',
  'token-or-key':
    'the function verifies the per-call HMAC-SHA256 memory token (X-Memory-Token), or compares the static X-Api-Key, in constant time before any other work',
  key: 'the function compares a secret header in constant time before any other work',
  open: 'the operator turned the X-Api-Key check off (retrieveAuth: key, retrieveRequireApiKey: false), so the endpoint is open by choice',
} as const;

/** Each HTTP endpoint's one route. */
export const ROUTE_PATH = {
  clientData: '/client-data',
  retrieve: '/retrieve',
  postCall: '/post-call',
} as const;

/** Access log line of the HTTP APIs: JSON, one object per request, no request bodies. */
const ACCESS_LOG_FORMAT = apigateway.AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    sourceIp: '$context.identity.sourceIp',
    userAgent: '$context.identity.userAgent',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationLatency: '$context.integrationLatency',
    integrationStatus: '$context.integrationStatus',
    integrationError: '$context.integrationErrorMessage',
    error: '$context.error.message',
  }),
);

/**
 * Long-term caller memory for ElevenLabs voice agents: three HTTP endpoints (pre-call
 * client-data, in-call retrieve, post-call webhook), an ingest worker behind a queue, an
 * archive bucket, the secrets, and a dashboard with alarms. Nothing is required:
 * `new AgenticMemory(this, 'Memory')` deploys with secure defaults.
 */
export class AgenticMemory extends Construct {
  /** The archive bucket (created or yours). */
  public readonly archiveBucket: s3.IBucket;
  /** The bucket receiving the archive's server access logs, when the construct created one. */
  public readonly archiveAccessLogsBucket?: s3.Bucket;

  /** Mem0 API key (set by the operator). */
  public readonly mem0ApiKeySecret: secretsmanager.ISecret;
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

  private readonly archive: ArchiveBucket;

  constructor(scope: Construct, id: string, props: AgenticMemoryProps = {}) {
    super(scope, id);
    validateProps(props);
    const scopeMap = memoryScopeMapVariable(props.memoryScope, props.memoryScopeMap);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    // Where every call is kept, and the keys the functions read.
    this.archive = new ArchiveBucket(this, props);
    this.archiveBucket = this.archive.bucket;
    this.archiveAccessLogsBucket = this.archive.accessLogsBucket;
    const secrets = new MemorySecrets(this, props);
    this.mem0ApiKeySecret = secrets.mem0ApiKey;
    this.hmacKeySecret = secrets.hmacKey;
    this.workspaceKeySecret = secrets.workspaceKey;
    this.retrieveApiKeySecret = secrets.retrieveApiKey;
    this.memoryTokenKeySecret = secrets.memoryTokenKey;
    this.elevenLabsApiKeySecret = secrets.elevenLabsApiKey;

    // Idempotency records of the ingest worker: the Powertools defaults (key `id`, TTL `expiration`).
    this.idempotencyTable = new dynamodb.Table(this, 'IdempotencyTable', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiration',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy,
    });

    // Functions, and what each may touch
    const environment = this.environments(props, scopeMap);
    this.clientDataFunction = this.createFunction('ClientDataFunction', 'clientData', environment.clientData, props);
    this.retrieveFunction = this.createFunction('RetrieveFunction', 'retrieve', environment.retrieve, props);
    this.postCallFunction = this.createFunction('PostCallFunction', 'postCall', environment.postCall, props);
    this.ingestFunction = this.createFunction('IngestFunction', 'ingest', environment.ingest, props);
    const textInEnvironment = {
      memoryScopeMap: scopeMap?.length ?? 0,
      basePromptTemplate: textBytes(props.basePromptTemplate),
      newCallerGreeting: textBytes(props.newCallerGreeting),
      allowedSourceIps: textBytes(props.allowedSourceIps?.join(',')),
    };
    for (const fn of this.functions()) requireEnvironmentWithinLimit(fn, textInEnvironment);
    this.grantLeastPrivilege(retrieveAuthOf(props));
    if (props.memoryMaxAge !== undefined) {
      this.retentionFunction = this.createFunction('RetentionFunction', 'retention', environment.retention, props);
      this.mem0ApiKeySecret.grantRead(this.retentionFunction);
      this.retentionSchedule = new events.Rule(this, 'RetentionSchedule', {
        description: 'AgenticMemory: erase memories older than memoryMaxAge, daily',
        schedule: RETENTION_SCHEDULE,
        targets: [new eventTargets.LambdaFunction(this.retentionFunction, { retryAttempts: 2 })],
      });
    }

    // Ingest: S3 `post-call/raw/*.json` created -> queue (dead letters after 5 receives) -> worker
    this.ingestDeadLetterQueue = new sqs.Queue(this, 'IngestDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.ingestQueue = new sqs.Queue(this, 'IngestQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's guidance for a Lambda event source: at least six times the function's timeout.
      visibilityTimeout: Duration.seconds(this.ingestFunction.timeout!.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.ingestDeadLetterQueue, maxReceiveCount: INGEST_MAX_RECEIVE_COUNT },
    });
    this.archiveBucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(this.ingestQueue), {
      prefix: ARCHIVE_PREFIX.rawPostCall,
      suffix: RAW_POST_CALL_SUFFIX,
    });
    this.acknowledgeBucketNotificationsHandler();
    this.ingestFunction.addEventSource(
      new SqsEventSource(this.ingestQueue, {
        batchSize: INGEST_BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency: props.ingestMaxConcurrency ?? 5,
      }),
    );

    // HTTP endpoints
    const clientData = this.createEndpoint('ClientData', this.clientDataFunction, props);
    const retrieve = this.createEndpoint('Retrieve', this.retrieveFunction, props);
    const postCall = this.createEndpoint('PostCall', this.postCallFunction, props);
    this.clientDataApi = clientData.api;
    this.clientDataUrl = clientData.url;
    this.retrieveApi = retrieve.api;
    this.retrieveUrl = retrieve.url;
    this.postCallApi = postCall.api;
    this.postCallUrl = postCall.url;
    this.apiStages = { clientData: clientData.stage, retrieve: retrieve.stage, postCall: postCall.stage };
    this.apiAccessLogGroups = {
      clientData: clientData.accessLogs,
      retrieve: retrieve.accessLogs,
      postCall: postCall.accessLogs,
    };
    this.provisionedAliases = { clientData: clientData.alias, retrieve: retrieve.alias, postCall: postCall.alias };

    // Operators' view
    this.monitoring = this.createMonitoring(props);
    this.dashboard = this.monitoring.dashboard;
    this.alarms = this.monitoring.alarms;
    if (this.retentionFunction) this.alarms.push(this.retentionFailedAlarm(this.retentionFunction, props));
  }

  /** The four functions. */
  public functions(): MemoryFunction[] {
    return [this.clientDataFunction, this.retrieveFunction, this.postCallFunction, this.ingestFunction];
  }

  /** Each function's environment: only the variables its handler reads. */
  private environments(
    props: AgenticMemoryProps,
    scopeMap: string | undefined,
  ): Required<PerFunction<Record<string, string>>> & { retention: Record<string, string> } {
    const secretsCache = {
      [ENV.secretsMaxAgeSeconds]: String(
        (props.secretsCacheTtl ?? Duration.seconds(HANDLER_DEFAULTS.secretsMaxAgeSeconds)).toSeconds(),
      ),
    };
    const mem0 = {
      [ENV.mem0ApiKeySecretId]: this.mem0ApiKeySecret.secretArn,
      ...(props.mem0Host !== undefined ? { [ENV.mem0Host]: props.mem0Host } : {}),
    };
    const archive = { [ENV.archiveBucket]: this.archiveBucket.bucketName };
    const allowList: Record<string, string> = props.allowedSourceIps?.length
      ? { [ENV.allowedSourceIps]: props.allowedSourceIps.join(',') }
      : {};
    const memoryDeadlineMs = String(props.memoryDeadline?.toMilliseconds() ?? HANDLER_DEFAULTS.memoryDeadlineMs);
    const memoryScope = {
      [ENV.memoryScope]: props.memoryScope ?? HANDLER_DEFAULTS.memoryScope,
      ...(scopeMap !== undefined ? { [ENV.memoryScopeMap]: scopeMap } : {}),
    };
    const memoryTokenKey = { [ENV.memoryTokenKeySecretId]: this.memoryTokenKeySecret.secretArn };
    const retrieveAuth = retrieveAuthOf(props);
    return {
      clientData: {
        ...secretsCache,
        ...mem0,
        ...archive,
        [ENV.workspaceKeySecretId]: this.workspaceKeySecret.secretArn,
        ...memoryTokenKey,
        [ENV.memoryTokenTtlSeconds]: String(
          props.memoryTokenTtl?.toSeconds() ?? HANDLER_DEFAULTS.memoryTokenTtlSeconds,
        ),
        ...memoryScope,
        ...allowList,
        [ENV.memoryDeadlineMs]: memoryDeadlineMs,
        [ENV.overridePrompt]: String(props.overridePrompt ?? true),
        [ENV.overrideFirstMessage]: String(props.overrideFirstMessage ?? true),
        ...(props.basePromptTemplate !== undefined ? { [ENV.basePromptTemplate]: props.basePromptTemplate } : {}),
        ...(props.newCallerGreeting !== undefined ? { [ENV.newCallerGreeting]: props.newCallerGreeting } : {}),
      },
      retrieve: {
        ...secretsCache,
        ...mem0,
        [ENV.retrieveAuth]: retrieveAuth,
        // Each mode is told only the keys it checks.
        ...(retrieveAuth !== 'key' ? memoryTokenKey : {}),
        ...(retrieveAuth !== 'token' ? { [ENV.retrieveApiKeySecretId]: this.retrieveApiKeySecret.secretArn } : {}),
        ...(retrieveAuth === 'key' ? { [ENV.retrieveRequireApiKey]: String(props.retrieveRequireApiKey ?? true) } : {}),
        ...memoryScope,
        [ENV.memoryDeadlineMs]: memoryDeadlineMs,
        [ENV.searchDefaultLimit]: String(props.searchLimit ?? HANDLER_DEFAULTS.searchDefaultLimit),
      },
      postCall: {
        ...secretsCache,
        ...archive,
        [ENV.hmacKeySecretId]: this.hmacKeySecret.secretArn,
        ...allowList,
      },
      ingest: {
        ...secretsCache,
        ...mem0,
        ...archive,
        ...memoryScope,
        [ENV.idempotencyTable]: this.idempotencyTable.tableName,
        [ENV.memoryWriteDeadlineMs]: String(
          props.memoryWriteDeadline?.toMilliseconds() ?? HANDLER_DEFAULTS.memoryWriteDeadlineMs,
        ),
        ...(this.elevenLabsApiKeySecret
          ? { [ENV.elevenLabsApiKeySecretId]: this.elevenLabsApiKeySecret.secretArn }
          : {}),
        ...(this.elevenLabsApiKeySecret && props.elevenLabsApiHost !== undefined
          ? { [ENV.elevenLabsApiHost]: props.elevenLabsApiHost }
          : {}),
      },
      retention: {
        ...secretsCache,
        ...mem0,
        [ENV.memoryMaxAgeDays]: String(props.memoryMaxAge?.toDays() ?? ''),
      },
    };
  }

  private createFunction<W extends keyof typeof FUNCTION_SIZING>(
    id: string,
    which: W,
    environment: Record<string, string>,
    props: AgenticMemoryProps,
  ): MemoryFunction<(typeof SERVICE_OF)[W]> {
    const sizing = FUNCTION_SIZING[which];
    const recordings = which === 'ingest' && this.elevenLabsApiKeySecret !== undefined;
    const fn = new MemoryFunction<(typeof SERVICE_OF)[W]>(this, id, {
      serviceName: SERVICE_OF[which],
      description: sizing.description,
      memorySize: sizing.memorySize,
      timeout: recordings ? INGEST_TIMEOUT_WITH_RECORDINGS : sizing.timeout,
      environment,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_WEEK,
      logRemovalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      tracing: props.tracing,
      logLevel: props.logLevel,
      reservedConcurrentExecutions:
        which === 'retention' ? undefined : props.reservedConcurrency?.[which as keyof PerFunction<number>],
    });
    if ((props.tracing ?? lambda.Tracing.ACTIVE) !== lambda.Tracing.DISABLED) {
      acknowledge(
        fn.executionRole,
        'AwsSolutions-IAM5[Resource::*]',
        'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, so the statement CDK adds for active tracing must name "*".',
      );
    }
    return fn;
  }

  /**
   * Each function reads only its secrets and touches only its archive prefixes. The memory
   * token key: the pre-call signs with it, the in-call verifies with it (unless tokens are off).
   */
  private grantLeastPrivilege(retrieveAuth: RetrieveAuth): void {
    this.workspaceKeySecret.grantRead(this.clientDataFunction);
    this.memoryTokenKeySecret.grantRead(this.clientDataFunction);
    this.mem0ApiKeySecret.grantRead(this.clientDataFunction);
    this.archive.allow(this.clientDataFunction, 's3:PutObject', ARCHIVE_PREFIX.clientData);

    if (retrieveAuth !== 'key') this.memoryTokenKeySecret.grantRead(this.retrieveFunction);
    if (retrieveAuth !== 'token') this.retrieveApiKeySecret.grantRead(this.retrieveFunction);
    this.mem0ApiKeySecret.grantRead(this.retrieveFunction);

    this.hmacKeySecret.grantRead(this.postCallFunction);
    this.archive.allow(this.postCallFunction, 's3:PutObject', ARCHIVE_PREFIX.rawPostCall);
    this.archive.allow(this.postCallFunction, 's3:PutObject', ARCHIVE_PREFIX.audio);

    this.mem0ApiKeySecret.grantRead(this.ingestFunction);
    this.archive.allow(this.ingestFunction, 's3:GetObject', ARCHIVE_PREFIX.rawPostCall);
    this.archive.allow(this.ingestFunction, 's3:PutObject', ARCHIVE_PREFIX.postCall);
    if (this.elevenLabsApiKeySecret) {
      // Recordings: streamed with a multipart upload (its parts are s3:PutObject), aborted on
      // failure, and looked up (HEAD needs s3:GetObject) so none is downloaded twice.
      this.elevenLabsApiKeySecret.grantRead(this.ingestFunction);
      this.archive.allow(this.ingestFunction, 's3:PutObject', ARCHIVE_PREFIX.audio);
      this.archive.allow(this.ingestFunction, 's3:GetObject', ARCHIVE_PREFIX.audio);
      this.archive.allow(this.ingestFunction, 's3:AbortMultipartUpload', ARCHIVE_PREFIX.audio);
    }
    this.ingestFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [this.idempotencyTable.tableArn],
      }),
    );
  }

  /** One HTTP API with one POST route to the function, its default stage throttled and logged. */
  private createEndpoint(
    name: 'ClientData' | 'Retrieve' | 'PostCall',
    fn: MemoryFunction,
    props: AgenticMemoryProps,
  ): { api: apigwv2.HttpApi; url: string; stage: apigwv2.HttpStage; accessLogs: logs.LogGroup; alias?: lambda.Alias } {
    const key = (name.charAt(0).toLowerCase() + name.slice(1)) as keyof PerEndpoint<number>;
    const path = ROUTE_PATH[key];
    const provisioned = props.provisionedConcurrency?.[key];
    const alias = provisioned ? fn.addAlias('live', { provisionedConcurrentExecutions: provisioned }) : undefined;

    const api = new apigwv2.HttpApi(this, `${name}Api`, {
      description: `AgenticMemory ${fn.serviceName}: POST ${path}`,
      createDefaultStage: false,
    });
    const accessLogs = new logs.LogGroup(this, `${name}ApiAccessLogs`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_WEEK,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    const stage = new apigwv2.HttpStage(this, `${name}ApiDefaultStage`, {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { ...DEFAULT_THROTTLING, ...props.throttling },
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(accessLogs), format: ACCESS_LOG_FORMAT },
    });
    api.addRoutes({
      path,
      methods: [apigwv2.HttpMethod.POST],
      integration: new HttpLambdaIntegration(`${name}Integration`, alias ?? fn),
    });
    const authentication =
      name === 'PostCall'
        ? 'the function verifies the HMAC-SHA256 signature over the raw body before any other work'
        : name === 'Retrieve'
          ? RETRIEVE_AUTHENTICATION[
              retrieveAuthOf(props) === 'key' && props.retrieveRequireApiKey === false ? 'open' : retrieveAuthOf(props)
            ]
          : 'the function compares a secret header in constant time before any other work';
    acknowledge(
      api,
      'AwsSolutions-APIG4',
      `ElevenLabs can neither sign requests (IAM) nor obtain JWTs, so POST ${path} has no API Gateway authorizer; ${authentication}.`,
    );
    return { api, url: `${api.apiEndpoint}${path}`, stage, accessLogs, alias };
  }

  private createMonitoring(props: AgenticMemoryProps): AgenticMemoryMonitoring {
    const budgets = { ...DEFAULT_LATENCY_BUDGETS, ...props.latencyBudgets };
    const degraded = props.degradedAnswersThreshold ?? 5;
    return new AgenticMemoryMonitoring(this, 'Monitoring', {
      endpoints: [
        {
          title: 'Pre-call (client-data)',
          api: this.clientDataApi,
          function: this.clientDataFunction,
          serviceName: SERVICE.clientData,
          latencyBudget: budgets.clientData,
          handlerMetrics: [METRIC.memoriesReturned, METRIC.degradedResponses, METRIC.archiveFailures],
          degradedAnswersThreshold: degraded,
        },
        {
          title: 'In-call (retrieve)',
          api: this.retrieveApi,
          function: this.retrieveFunction,
          serviceName: SERVICE.retrieve,
          latencyBudget: budgets.retrieve,
          handlerMetrics: [METRIC.memoriesReturned, METRIC.degradedResponses],
          degradedAnswersThreshold: degraded,
        },
        {
          title: 'Post-call (webhook)',
          api: this.postCallApi,
          function: this.postCallFunction,
          serviceName: SERVICE.postCall,
          latencyBudget: budgets.postCall,
          handlerMetrics: [METRIC.signatureRejections, METRIC.archiveFailures],
        },
      ],
      ingestFunction: this.ingestFunction,
      ingestQueue: this.ingestQueue,
      ingestDeadLetterQueue: this.ingestDeadLetterQueue,
      alarmTopic: props.alarmTopic,
      dashboardName: props.dashboardName,
      memoryTokenRejectionsThreshold:
        retrieveAuthOf(props) === 'key'
          ? undefined
          : (props.memoryTokenRejectionsThreshold ?? DEFAULT_MEMORY_TOKEN_REJECTIONS_THRESHOLD),
    });
  }

  /** A retention run that fails leaves memories past their age: someone must know. */
  private retentionFailedAlarm(fn: MemoryFunction<'retention'>, props: AgenticMemoryProps): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, 'RetentionErrorsAlarm', {
      alarmDescription:
        'The memory retention job failed: memories older than memoryMaxAge may remain. See its log group.',
      metric: fn.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) {
      const action = new cloudwatchActions.SnsAction(props.alarmTopic);
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    return alarm;
  }

  /**
   * S3 bucket notifications are configured by CDK's singleton custom resource (one per stack,
   * outside this construct): acknowledge its findings where it lives.
   */
  private acknowledgeBucketNotificationsHandler(): void {
    const handler = Stack.of(this).node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
    if (!handler) return;
    acknowledge(
      handler,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'CDK-owned custom resource that sets S3 bucket notifications at deploy time; its role and managed logging policy are defined by aws-cdk-lib, not by this construct.',
    );
  }
}

/** UTF-8 bytes of a text prop that travels in an environment variable. */
function textBytes(text: string | undefined): number {
  return text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
}

export type { ServiceName };
