import { Duration, RemovalPolicy, SecretValue, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AgenticMemory, type AgenticMemoryProps, type ManagedSecretProps } from '../../lib';
import { ENV } from '../../lib/contract';
import { bareStack, flatten, logicalId, permissionsOf } from './cdk-test-app';

/** The construct with its defaults, bundled once for the whole file. */
let stack: Stack;
let memory: AgenticMemory;
let template: Template;

beforeAll(() => {
  stack = bareStack({ bundle: true });
  memory = new AgenticMemory(stack, 'Memory');
  template = Template.fromStack(stack);
});

/** A variant of the construct, without bundling (fast). */
function variant(
  props: AgenticMemoryProps,
  setup?: (stack: Stack) => void,
): { memory: AgenticMemory; template: Template } {
  const variantStack = bareStack();
  setup?.(variantStack);
  const variantMemory = new AgenticMemory(variantStack, 'Memory', props);
  return { memory: variantMemory, template: Template.fromStack(variantStack) };
}

function functionResource(t: Template, fn: lambda.IFunction) {
  return t.toJSON().Resources[logicalId(fn)];
}

function environmentOf(t: Template, fn: lambda.IFunction): Record<string, string> {
  const variables = functionResource(t, fn).Properties.Environment.Variables as Record<string, unknown>;
  return Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, flatten(value)]));
}

const ref = (construct: Parameters<typeof logicalId>[0]) => `<${logicalId(construct)}>`;

describe('functions', () => {
  test('four Node.js 24 functions on ARM64, handler index.handler, tracing active', () => {
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { Runtime: 'nodejs24.x' }, 4);
    for (const fn of memory.functions()) {
      const properties = functionResource(template, fn).Properties;
      expect(properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
      });
      expect(properties.ReservedConcurrentExecutions).toBeUndefined();
    }
  });

  test('timeouts and memory sized for each job', () => {
    const sizing = Object.fromEntries(
      memory.functions().map((fn) => {
        const p = functionResource(template, fn).Properties;
        return [fn.serviceName, [p.MemorySize, p.Timeout]];
      }),
    );
    expect(sizing).toEqual({
      'client-data': [1024, 10],
      retrieve: [1024, 10],
      'post-call': [1024, 20],
      ingest: [1024, 120],
    });
  });

  test('every function: source maps on, Mem0 telemetry off, Powertools service and namespace', () => {
    for (const fn of memory.functions()) {
      expect(environmentOf(template, fn)).toMatchObject({
        NODE_OPTIONS: '--enable-source-maps',
        MEM0_TELEMETRY: 'false',
        POWERTOOLS_SERVICE_NAME: fn.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: 'AgenticMemory',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        [ENV.secretsMaxAgeSeconds]: '300',
      });
    }
  });

  test('client-data environment: its secrets, the archive, token lifetime, memory scope, deadline and override switches', () => {
    expect(environmentOf(template, memory.clientDataFunction)).toEqual({
      ...wrapperEnvironment('client-data'),
      [ENV.archiveBucket]: ref(memory.archiveBucket),
      [ENV.workspaceKeySecretId]: ref(memory.workspaceKeySecret),
      [ENV.memoryTokenKeySecretId]: ref(memory.memoryTokenKeySecret),
      [ENV.mem0ApiKeySecretId]: ref(memory.mem0ApiKeySecret),
      [ENV.memoryTokenTtlSeconds]: '7200',
      [ENV.memoryScope]: 'deployment',
      [ENV.memoryDeadlineMs]: '1500',
      [ENV.overridePrompt]: 'true',
      [ENV.overrideFirstMessage]: 'true',
    });
  });

  test('retrieve environment: token or key, both keys, memory scope, deadline, search limit; no archive', () => {
    expect(environmentOf(template, memory.retrieveFunction)).toEqual({
      ...wrapperEnvironment('retrieve'),
      [ENV.retrieveAuth]: 'token-or-key',
      [ENV.memoryTokenKeySecretId]: ref(memory.memoryTokenKeySecret),
      [ENV.retrieveApiKeySecretId]: ref(memory.retrieveApiKeySecret),
      [ENV.mem0ApiKeySecretId]: ref(memory.mem0ApiKeySecret),
      [ENV.memoryScope]: 'deployment',
      [ENV.memoryDeadlineMs]: '1500',
      [ENV.searchDefaultLimit]: '10',
    });
  });

  test('post-call environment: the HMAC key and the archive, nothing about memory', () => {
    expect(environmentOf(template, memory.postCallFunction)).toEqual({
      ...wrapperEnvironment('post-call'),
      [ENV.archiveBucket]: ref(memory.archiveBucket),
      [ENV.hmacKeySecretId]: ref(memory.hmacKeySecret),
    });
  });

  test('ingest environment: Mem0 key, archive, memory scope, idempotency table, write deadline', () => {
    expect(environmentOf(template, memory.ingestFunction)).toEqual({
      ...wrapperEnvironment('ingest'),
      [ENV.archiveBucket]: ref(memory.archiveBucket),
      [ENV.mem0ApiKeySecretId]: ref(memory.mem0ApiKeySecret),
      [ENV.memoryScope]: 'deployment',
      [ENV.idempotencyTable]: ref(memory.idempotencyTable),
      [ENV.memoryWriteDeadlineMs]: '10000',
    });
  });

  test('one log group per function, one week, retained; the function logs into it', () => {
    for (const fn of memory.functions()) {
      const logGroupId = logicalId(fn.functionLogGroup);
      expect(functionResource(template, fn).Properties.LoggingConfig).toEqual({ LogGroup: { Ref: logGroupId } });
      expect(template.toJSON().Resources[logGroupId]).toMatchObject({
        Type: 'AWS::Logs::LogGroup',
        Properties: { RetentionInDays: 7 },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    }
    // Four functions and three API access logs.
    template.resourceCountIs('AWS::Logs::LogGroup', 7);
  });

  test('each function has its own role, without managed policies', () => {
    const roles = memory.functions().map((fn) => logicalId(fn.executionRole));
    expect(new Set(roles).size).toBe(4);
    for (const role of roles) {
      expect(template.toJSON().Resources[role].Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

function wrapperEnvironment(service: string): Record<string, string> {
  return {
    NODE_OPTIONS: '--enable-source-maps',
    MEM0_TELEMETRY: 'false',
    POWERTOOLS_SERVICE_NAME: service,
    POWERTOOLS_METRICS_NAMESPACE: 'AgenticMemory',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    [ENV.secretsMaxAgeSeconds]: '300',
  };
}

describe('least privilege', () => {
  const bucket = () => `<${logicalId(memory.archiveBucket)}.Arn>`;
  const read = (secret: secretsmanager.ISecret) => [
    `secretsmanager:DescribeSecret on ${ref(secret)}`,
    `secretsmanager:GetSecretValue on ${ref(secret)}`,
  ];
  const permissions = (fn: { executionRole: Parameters<typeof logicalId>[0] }) =>
    permissionsOf(template, logicalId(fn.executionRole));
  const logging = (fn: (typeof memory)['clientDataFunction']) => [
    `logs:CreateLogStream on <${logicalId(fn.functionLogGroup)}.Arn>`,
    `logs:PutLogEvents on <${logicalId(fn.functionLogGroup)}.Arn>`,
  ];
  const tracing = ['xray:PutTelemetryRecords on *', 'xray:PutTraceSegments on *'];

  test('client-data: reads the workspace, memory token and Mem0 keys, writes client-data/* only', () => {
    expect(permissions(memory.clientDataFunction)).toEqual(
      [
        ...logging(memory.clientDataFunction),
        ...tracing,
        ...read(memory.mem0ApiKeySecret),
        ...read(memory.workspaceKeySecret),
        ...read(memory.memoryTokenKeySecret),
        `s3:PutObject on ${bucket()}/client-data/*`,
      ].sort(),
    );
  });

  test('retrieve: reads the memory token, retrieve and Mem0 keys, no archive access', () => {
    expect(permissions(memory.retrieveFunction)).toEqual(
      [
        ...logging(memory.retrieveFunction),
        ...tracing,
        ...read(memory.mem0ApiKeySecret),
        ...read(memory.retrieveApiKeySecret),
        ...read(memory.memoryTokenKeySecret),
      ].sort(),
    );
  });

  test('post-call: reads the HMAC key, writes post-call/raw/* and post-call/audio/* only', () => {
    expect(permissions(memory.postCallFunction)).toEqual(
      [
        ...logging(memory.postCallFunction),
        ...tracing,
        ...read(memory.hmacKeySecret),
        `s3:PutObject on ${bucket()}/post-call/audio/*`,
        `s3:PutObject on ${bucket()}/post-call/raw/*`,
      ].sort(),
    );
  });

  test('ingest: reads the Mem0 key and post-call/raw/*, writes post-call/*, its table and queue', () => {
    const table = `<${logicalId(memory.idempotencyTable)}.Arn>`;
    const queue = `<${logicalId(memory.ingestQueue)}.Arn>`;
    expect(permissions(memory.ingestFunction)).toEqual(
      [
        ...logging(memory.ingestFunction),
        ...tracing,
        ...read(memory.mem0ApiKeySecret),
        `s3:GetObject on ${bucket()}/post-call/raw/*`,
        `s3:PutObject on ${bucket()}/post-call/*`,
        ...['DeleteItem', 'GetItem', 'PutItem', 'UpdateItem'].map((action) => `dynamodb:${action} on ${table}`),
        ...['ChangeMessageVisibility', 'DeleteMessage', 'GetQueueAttributes', 'GetQueueUrl', 'ReceiveMessage'].map(
          (action) => `sqs:${action} on ${queue}`,
        ),
      ].sort(),
    );
  });
});

describe('archive bucket', () => {
  const bucketResource = () => template.toJSON().Resources[logicalId(memory.archiveBucket)];

  test('all public access blocked, SSE-S3, versioned, ACLs disabled, retained', () => {
    expect(bucketResource()).toMatchObject({
      Properties: {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      },
      DeletionPolicy: 'Retain',
    });
  });

  test('lifecycle: Standard-IA after 30 days, Glacier after 90, no expiry by default', () => {
    const [rule] = bucketResource().Properties.LifecycleConfiguration.Rules;
    expect(rule).toMatchObject({
      Status: 'Enabled',
      Transitions: [
        { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
        { StorageClass: 'GLACIER', TransitionInDays: 90 },
      ],
      NoncurrentVersionExpiration: { NoncurrentDays: 30 },
    });
    expect(rule.ExpirationInDays).toBeUndefined();
  });

  test('the bucket policy denies every request without TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(memory.archiveBucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  test('server access logs go to a private, TLS-only log bucket', () => {
    const logBucket = memory.archiveAccessLogsBucket!;
    expect(bucketResource().Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logicalId(logBucket) },
      LogFilePrefix: 'archive/',
    });
    expect(template.toJSON().Resources[logicalId(logBucket)].Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(logBucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
          }),
        ]),
      },
    });
  });

  test('only post-call/raw/*.json creations notify the ingest queue', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: logicalId(memory.archiveBucket) },
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: {
              Key: {
                FilterRules: Match.arrayEquals([
                  { Name: 'suffix', Value: '.json' },
                  { Name: 'prefix', Value: 'post-call/raw/' },
                ]),
              },
            },
            QueueArn: { 'Fn::GetAtt': [logicalId(memory.ingestQueue), 'Arn'] },
          },
        ],
      },
    });
  });
});

describe('secrets', () => {
  test('five secrets, none with a value in the template', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 5);
    for (const secret of Object.values(template.findResources('AWS::SecretsManager::Secret'))) {
      expect(secret.Properties.SecretString).toBeUndefined();
      expect(secret.Properties.GenerateSecretString).toBeDefined();
      expect(secret.DeletionPolicy).toBe('Retain');
    }
    expect(JSON.stringify(template.toJSON())).not.toMatch(/"SecretString"\s*:/);
  });

  test('workspace and retrieve keys are generated: 48 letters and digits, header-safe', () => {
    for (const secret of [memory.workspaceKeySecret, memory.retrieveApiKeySecret]) {
      expect(template.toJSON().Resources[logicalId(secret)].Properties.GenerateSecretString).toEqual({
        PasswordLength: 48,
        ExcludePunctuation: true,
        IncludeSpace: false,
      });
    }
  });

  test('the memory token key is generated by CloudFormation: 64 letters and digits, retained, described', () => {
    const secret = template.toJSON().Resources[logicalId(memory.memoryTokenKeySecret)];
    expect(secret).toMatchObject({
      Type: 'AWS::SecretsManager::Secret',
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false },
        Description: expect.stringMatching(/memory token key.*read only by the pre-call and in-call functions/),
      },
    });
  });

  test('the Mem0 and HMAC keys are for the operator to set (described as such)', () => {
    for (const secret of [memory.mem0ApiKeySecret, memory.hmacKeySecret]) {
      expect(template.toJSON().Resources[logicalId(secret)].Properties.Description).toMatch(/Set it to/);
    }
  });
});

describe('ingest pipeline', () => {
  test('queue: SSE, TLS only, visibility timeout six times the worker timeout, dead letters after 5 receives', () => {
    const queue = template.toJSON().Resources[logicalId(memory.ingestQueue)];
    expect(queue.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 720,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(memory.ingestDeadLetterQueue), 'Arn'] },
        maxReceiveCount: 5,
      },
    });
    const timeout = functionResource(template, memory.ingestFunction).Properties.Timeout as number;
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
    expect(template.toJSON().Resources[logicalId(memory.ingestDeadLetterQueue)].Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    for (const q of [memory.ingestQueue, memory.ingestDeadLetterQueue]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: logicalId(q) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  test('the worker reads the queue in small batches and reports item failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId(memory.ingestQueue), 'Arn'] },
      FunctionName: { Ref: logicalId(memory.ingestFunction) },
      BatchSize: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  test('idempotency table: Powertools key and TTL, on demand, point-in-time recovery, retained', () => {
    expect(template.toJSON().Resources[logicalId(memory.idempotencyTable)]).toMatchObject({
      Properties: {
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      },
      DeletionPolicy: 'Retain',
    });
  });
});

describe('HTTP APIs', () => {
  const endpoints = () => [
    {
      key: 'clientData' as const,
      api: memory.clientDataApi,
      fn: memory.clientDataFunction,
      route: 'POST /client-data',
      url: memory.clientDataUrl,
    },
    {
      key: 'retrieve' as const,
      api: memory.retrieveApi,
      fn: memory.retrieveFunction,
      route: 'POST /retrieve',
      url: memory.retrieveUrl,
    },
    {
      key: 'postCall' as const,
      api: memory.postCallApi,
      fn: memory.postCallFunction,
      route: 'POST /post-call',
      url: memory.postCallUrl,
    },
  ];

  test('three HTTP APIs, each with one POST route to its own function', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 3);
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 3);
    for (const { api, fn, route } of endpoints()) {
      const routes = template.findResources('AWS::ApiGatewayV2::Route', {
        Properties: { ApiId: { Ref: logicalId(api) } },
      });
      expect(Object.values(routes).map((r) => r.Properties.RouteKey)).toEqual([route]);
      template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
        ApiId: { Ref: logicalId(api) },
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [logicalId(fn), 'Arn'] },
      });
    }
  });

  test('default stage: auto-deployed, throttled (50 rps, burst 100), JSON access logs', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 3);
    expect(Object.keys(memory.apiStages).sort()).toEqual(['clientData', 'postCall', 'retrieve']);
    for (const { api, key } of endpoints()) {
      const stages = Object.values(
        template.findResources('AWS::ApiGatewayV2::Stage', { Properties: { ApiId: { Ref: logicalId(api) } } }),
      );
      expect(stages).toHaveLength(1);
      const stage = stages[0].Properties;
      expect(stage).toMatchObject({
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      });
      const format = JSON.parse(stage.AccessLogSettings.Format as string) as Record<string, string>;
      expect(format).toMatchObject({
        requestId: '$context.requestId',
        routeKey: '$context.routeKey',
        status: '$context.status',
        integrationError: '$context.integrationErrorMessage',
      });
      const logGroupId = (stage.AccessLogSettings.DestinationArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
      expect(logGroupId).toBe(logicalId(memory.apiAccessLogGroups[key]));
      expect(logicalId(memory.apiStages[key])).toBe(
        Object.keys(
          template.findResources('AWS::ApiGatewayV2::Stage', { Properties: { ApiId: { Ref: logicalId(api) } } }),
        )[0],
      );
      expect(template.toJSON().Resources[logGroupId]).toMatchObject({
        Type: 'AWS::Logs::LogGroup',
        Properties: { RetentionInDays: 7 },
      });
    }
  });

  test('the URLs include each route path', () => {
    for (const { api, url, route } of endpoints()) {
      expect(flatten(stack.resolve(url))).toBe(`<${logicalId(api)}.ApiEndpoint>${route.slice('POST '.length)}`);
    }
  });
});

describe('operators', () => {
  test('alarms: per endpoint 5xx rate, p99 and throttles; degraded answers; dead letters; ingest errors and throttles', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 15);
    expect(memory.alarms).toHaveLength(15);
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toBeUndefined();
      expect(alarm.Properties.AlarmDescription).toMatch(/^AgenticMemory: /);
    }
  });

  test('a dashboard', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(memory.dashboard).toBe(memory.monitoring.dashboard);
  });
});

describe('props', () => {
  test('bring your own bucket: nothing created, grants and notification on yours', () => {
    const ownStack = bareStack();
    const existingArchiveBucket = s3.Bucket.fromBucketName(ownStack, 'Own', 'my-archive');
    const m = new AgenticMemory(ownStack, 'Memory', { existingArchiveBucket });
    const t = Template.fromStack(ownStack);
    t.resourceCountIs('AWS::S3::Bucket', 0);
    expect(m.archiveBucket).toBe(existingArchiveBucket);
    expect(m.archiveAccessLogsBucket).toBeUndefined();
    expect(permissionsOf(t, logicalId(m.clientDataFunction.executionRole))).toContain(
      's3:PutObject on arn:<AWS::Partition>:s3:::my-archive/client-data/*',
    );
    t.hasResourceProperties('Custom::S3BucketNotifications', { BucketName: 'my-archive', Managed: false });
    expect(environmentOf(t, m.postCallFunction)[ENV.archiveBucket]).toBe('my-archive');
  });

  test.each([
    ['archiveBucketProps', { archiveBucketProps: { versioned: false } }],
    ['archiveExpiration', { archiveExpiration: Duration.days(365) }],
    ['archiveAccessLogs', { archiveAccessLogs: false }],
  ])('bring your own bucket and %s: a clear error', (name, overrides) => {
    const stack = new Stack();
    const existingArchiveBucket = s3.Bucket.fromBucketName(stack, 'Own', 'my-archive');
    expect(() => new AgenticMemory(stack, 'Memory', { existingArchiveBucket, ...overrides })).toThrow(
      new RegExp(`existingArchiveBucket cannot be combined with ${name}`),
    );
  });

  test.each([
    ['existingMem0ApiKeySecret', 'mem0ApiKeySecretProps'],
    ['existingHmacKeySecret', 'hmacKeySecretProps'],
    ['existingWorkspaceKeySecret', 'workspaceKeySecretProps'],
    ['existingRetrieveApiKeySecret', 'retrieveApiKeySecretProps'],
  ])('%s and %s together: a clear error', (existing, overrides) => {
    const stack = new Stack();
    const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'Own', 'own');
    expect(
      () =>
        new AgenticMemory(stack, 'Memory', {
          [existing]: secret,
          [overrides]: { description: 'x' },
        } as AgenticMemoryProps),
    ).toThrow(`AgenticMemory: pass either ${existing} or ${overrides}, not both.`);
  });

  test('a secret value can never be passed in', () => {
    const withValue = { secretStringValue: SecretValue.unsafePlainText('sk-live') } as unknown as ManagedSecretProps;
    expect(() => new AgenticMemory(new Stack(), 'Memory', { mem0ApiKeySecretProps: withValue })).toThrow(
      /would put a secret value in the CloudFormation template/,
    );
  });

  test('bring your own secrets: none created for them, the functions read yours', () => {
    const ownStack = bareStack();
    const mem0 = secretsmanager.Secret.fromSecretNameV2(ownStack, 'Mem0', 'team/mem0');
    const m = new AgenticMemory(ownStack, 'Memory', { existingMem0ApiKeySecret: mem0 });
    const t = Template.fromStack(ownStack);
    t.resourceCountIs('AWS::SecretsManager::Secret', 4);
    expect(m.mem0ApiKeySecret).toBe(mem0);
    expect(environmentOf(t, m.ingestFunction)[ENV.mem0ApiKeySecretId]).toBe(
      'arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:team/mem0',
    );
    expect(permissionsOf(t, logicalId(m.ingestFunction.executionRole))).toContain(
      'secretsmanager:GetSecretValue on arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:team/mem0-??????',
    );
  });

  test('secret overrides apply to the created secret', () => {
    const { memory: m, template: t } = variant({ workspaceKeySecretProps: { secretName: 'team/workspace-key' } });
    expect(t.toJSON().Resources[logicalId(m.workspaceKeySecret)].Properties.Name).toBe('team/workspace-key');
  });

  test.each([
    ['searchLimit 0', { searchLimit: 0 }, /searchLimit must be an integer from 1 to 50, got 0/],
    ['searchLimit 51', { searchLimit: 51 }, /searchLimit must be an integer from 1 to 50/],
    ['searchLimit 2.5', { searchLimit: 2.5 }, /searchLimit must be an integer/],
    [
      'memoryDeadline 10 ms',
      { memoryDeadline: Duration.millis(10) },
      /memoryDeadline \(ms\) must be an integer from 50 to 25000/,
    ],
    [
      'memoryWriteDeadline 5 min',
      { memoryWriteDeadline: Duration.minutes(5) },
      /memoryWriteDeadline \(ms\) must be an integer from 100 to 120000/,
    ],
    ['ingestMaxConcurrency 1', { ingestMaxConcurrency: 1 }, /ingestMaxConcurrency must be an integer from 2 to 1000/],
    ['throttling rate 0', { throttling: { rateLimit: 0 } }, /throttling.rateLimit must be/],
    [
      'provisioned concurrency 0',
      { provisionedConcurrency: { retrieve: 0 } },
      /provisionedConcurrency.retrieve must be/,
    ],
    [
      'a prompt template without the placeholder',
      { basePromptTemplate: 'You are a helpful agent.' },
      /basePromptTemplate must contain \{\{memory_context\}\}/,
    ],
    [
      'a 1001-character greeting',
      { newCallerGreeting: 'x'.repeat(1001) },
      /newCallerGreeting is longer than 1000 characters/,
    ],
  ] as [string, AgenticMemoryProps, RegExp][])('%s: a clear error at synth time', (_name, props, message) => {
    expect(() => new AgenticMemory(new Stack(), 'Memory', props)).toThrow(message);
  });

  test('behaviour props reach the handlers', () => {
    const { memory: m, template: t } = variant({
      mem0Host: 'https://mem0.internal.example',
      searchLimit: 5,
      memoryDeadline: Duration.millis(800),
      memoryWriteDeadline: Duration.seconds(20),
      overridePrompt: false,
      overrideFirstMessage: false,
      basePromptTemplate: 'You are Ava.\n{{memory_context}}',
      newCallerGreeting: 'Hi, this is Ava.',
      retrieveAuth: 'key',
      retrieveRequireApiKey: false,
      secretsCacheTtl: Duration.minutes(1),
      logLevel: 'DEBUG',
    });
    expect(environmentOf(t, m.clientDataFunction)).toMatchObject({
      [ENV.mem0Host]: 'https://mem0.internal.example',
      [ENV.memoryDeadlineMs]: '800',
      [ENV.overridePrompt]: 'false',
      [ENV.overrideFirstMessage]: 'false',
      [ENV.basePromptTemplate]: 'You are Ava.\n{{memory_context}}',
      [ENV.newCallerGreeting]: 'Hi, this is Ava.',
      [ENV.secretsMaxAgeSeconds]: '60',
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
    });
    expect(environmentOf(t, m.retrieveFunction)).toMatchObject({
      [ENV.mem0Host]: 'https://mem0.internal.example',
      [ENV.searchDefaultLimit]: '5',
      [ENV.retrieveRequireApiKey]: 'false',
    });
    expect(environmentOf(t, m.ingestFunction)).toMatchObject({
      [ENV.mem0Host]: 'https://mem0.internal.example',
      [ENV.memoryWriteDeadlineMs]: '20000',
    });
    expect(environmentOf(t, m.postCallFunction)[ENV.mem0Host]).toBeUndefined();
  });

  test('archive lifecycle and retention are configurable', () => {
    const { memory: m, template: t } = variant({
      archiveInfrequentAccessAfter: Duration.days(45),
      archiveGlacierAfter: Duration.days(180),
      archiveExpiration: Duration.days(730),
    });
    expect(t.toJSON().Resources[logicalId(m.archiveBucket)].Properties.LifecycleConfiguration.Rules[0]).toMatchObject({
      Transitions: [
        { StorageClass: 'STANDARD_IA', TransitionInDays: 45 },
        { StorageClass: 'GLACIER', TransitionInDays: 180 },
      ],
      ExpirationInDays: 730,
    });
  });

  test('archive bucket overrides are merged over the defaults', () => {
    const { memory: m, template: t } = variant({
      archiveBucketProps: { bucketName: 'team-archive' },
      archiveAccessLogs: false,
    });
    expect(m.archiveAccessLogsBucket).toBeUndefined();
    t.resourceCountIs('AWS::S3::Bucket', 1);
    expect(t.toJSON().Resources[logicalId(m.archiveBucket)].Properties).toMatchObject({
      BucketName: 'team-archive',
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });

  test('log retention, throttling, removal policy and tracing', () => {
    const { memory: m, template: t } = variant({
      logRetention: logs.RetentionDays.ONE_MONTH,
      throttling: { rateLimit: 10, burstLimit: 20 },
      removalPolicy: RemovalPolicy.DESTROY,
      tracing: lambda.Tracing.DISABLED,
    });
    for (const logGroup of Object.values(t.findResources('AWS::Logs::LogGroup'))) {
      expect(logGroup).toMatchObject({ Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Delete' });
    }
    t.allResourcesProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
    });
    for (const type of ['AWS::S3::Bucket', 'AWS::DynamoDB::Table', 'AWS::SecretsManager::Secret']) {
      for (const resource of Object.values(t.findResources(type))) expect(resource.DeletionPolicy).toBe('Delete');
    }
    // A destroyed bucket is emptied first.
    t.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
    for (const fn of m.functions()) {
      expect(functionResource(t, fn).Properties.TracingConfig).toBeUndefined();
      expect(permissionsOf(t, logicalId(fn.executionRole)).some((p) => p.startsWith('xray:'))).toBe(false);
    }
  });

  test('reserved concurrency is off by default and per function when asked', () => {
    const { memory: m, template: t } = variant({ reservedConcurrency: { ingest: 2, clientData: 20 } });
    expect(functionResource(t, m.ingestFunction).Properties.ReservedConcurrentExecutions).toBe(2);
    expect(functionResource(t, m.clientDataFunction).Properties.ReservedConcurrentExecutions).toBe(20);
    expect(functionResource(t, m.retrieveFunction).Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  test('provisioned concurrency: a live alias, and the API invokes the alias', () => {
    const { memory: m, template: t } = variant({ provisionedConcurrency: { retrieve: 3 } });
    t.resourceCountIs('AWS::Lambda::Alias', 1);
    const [aliasId] = Object.keys(
      t.findResources('AWS::Lambda::Alias', {
        Properties: { Name: 'live', ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 3 } },
      }),
    );
    expect(aliasId).toBeDefined();
    expect(logicalId(m.provisionedAliases.retrieve!)).toBe(aliasId);
    expect(m.provisionedAliases.clientData).toBeUndefined();
    t.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      ApiId: { Ref: logicalId(m.retrieveApi) },
      IntegrationUri: { Ref: aliasId },
    });
  });

  test('alarm topic: every alarm notifies it, on alarm and back to OK', () => {
    const topicStack = bareStack();
    const topic = new sns.Topic(topicStack, 'Alarms');
    new AgenticMemory(topicStack, 'Memory', { alarmTopic: topic });
    const alarms = Object.values(Template.fromStack(topicStack).findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(15);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: logicalId(topic) }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: logicalId(topic) }]);
    }
  });

  test('latency budgets and degraded-answer threshold set the alarm thresholds', () => {
    const { template: t } = variant({
      latencyBudgets: { retrieve: Duration.millis(900) },
      degradedAnswersThreshold: 2,
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { ExtendedStatistic: 'p99', Threshold: 900 });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { ExtendedStatistic: 'p99', Threshold: 2500 });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'DegradedResponses', Threshold: 2 });
  });
});

describe('whose memories a search reads: retrieveAuth, the memory token key, memory scope', () => {
  const read = (secret: secretsmanager.ISecret) => [
    `secretsmanager:DescribeSecret on ${ref(secret)}`,
    `secretsmanager:GetSecretValue on ${ref(secret)}`,
  ];
  /** Every role whose policies name the secret, by logical id. */
  const readersOf = (t: Template, secret: secretsmanager.ISecret): string[] =>
    Object.values(t.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.PolicyDocument).includes(`"${logicalId(secret)}"`))
      .flatMap((policy) => (policy.Properties.Roles as unknown[]).map(flatten))
      .sort();
  const roleOf = (fn: { executionRole: Parameters<typeof logicalId>[0] }) => `<${logicalId(fn.executionRole)}>`;

  test('the memory token key is read by client-data (which signs) and retrieve (which verifies) only', () => {
    expect(readersOf(template, memory.memoryTokenKeySecret)).toEqual(
      [roleOf(memory.clientDataFunction), roleOf(memory.retrieveFunction)].sort(),
    );
    template.resourceCountIs('AWS::SecretsManager::ResourcePolicy', 0);
    for (const fn of [memory.postCallFunction, memory.ingestFunction]) {
      expect(permissionsOf(template, logicalId(fn.executionRole)).join('\n')).not.toContain(
        logicalId(memory.memoryTokenKeySecret),
      );
    }
  });

  test("retrieveAuth 'token': retrieve cannot read the static key, and is not told of it; the key still exists", () => {
    const { memory: m, template: t } = variant({ retrieveAuth: 'token' });
    expect(environmentOf(t, m.retrieveFunction)).toMatchObject({
      [ENV.retrieveAuth]: 'token',
      [ENV.memoryTokenKeySecretId]: ref(m.memoryTokenKeySecret),
    });
    expect(environmentOf(t, m.retrieveFunction)[ENV.retrieveApiKeySecretId]).toBeUndefined();
    expect(environmentOf(t, m.retrieveFunction)[ENV.retrieveRequireApiKey]).toBeUndefined();
    expect(readersOf(t, m.retrieveApiKeySecret)).toEqual([]);
    expect(t.toJSON().Resources[logicalId(m.retrieveApiKeySecret)].Type).toBe('AWS::SecretsManager::Secret');
    expect(permissionsOf(t, logicalId(m.retrieveFunction.executionRole))).toEqual(
      expect.arrayContaining(read(m.memoryTokenKeySecret)),
    );
  });

  test("retrieveAuth 'key': retrieve cannot read the memory token key; client-data still signs tokens", () => {
    const { memory: m, template: t } = variant({ retrieveAuth: 'key' });
    expect(environmentOf(t, m.retrieveFunction)).toMatchObject({
      [ENV.retrieveAuth]: 'key',
      [ENV.retrieveApiKeySecretId]: ref(m.retrieveApiKeySecret),
      [ENV.retrieveRequireApiKey]: 'true',
    });
    expect(environmentOf(t, m.retrieveFunction)[ENV.memoryTokenKeySecretId]).toBeUndefined();
    expect(readersOf(t, m.memoryTokenKeySecret)).toEqual([roleOf(m.clientDataFunction)]);
    expect(readersOf(t, m.retrieveApiKeySecret)).toEqual([roleOf(m.retrieveFunction)]);
  });

  test('token lifetime and memory scope reach the functions that use them; post-call is told neither', () => {
    const memoryScopeMap = { 'clinic-a': ['agent_1', 'agent_2'], 'clinic-b': ['agent_3'] };
    const { memory: m, template: t } = variant({
      memoryTokenTtl: Duration.minutes(30),
      memoryScope: 'agent',
      memoryScopeMap,
      memoryMaxAge: Duration.days(30),
    });
    const scoped = { [ENV.memoryScope]: 'agent', [ENV.memoryScopeMap]: JSON.stringify(memoryScopeMap) };
    expect(environmentOf(t, m.clientDataFunction)).toMatchObject({ ...scoped, [ENV.memoryTokenTtlSeconds]: '1800' });
    expect(environmentOf(t, m.retrieveFunction)).toMatchObject(scoped);
    expect(environmentOf(t, m.ingestFunction)).toMatchObject(scoped);
    for (const fn of [m.postCallFunction, m.retentionFunction!]) {
      const env = environmentOf(t, fn);
      expect([env[ENV.memoryScope], env[ENV.memoryScopeMap], env[ENV.memoryTokenTtlSeconds]]).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
    }
  });

  test('bring your own memory token key: none created, both functions read yours', () => {
    const ownStack = bareStack();
    const own = secretsmanager.Secret.fromSecretNameV2(ownStack, 'TokenKey', 'team/memory-token-key');
    const m = new AgenticMemory(ownStack, 'Memory', { existingMemoryTokenKeySecret: own });
    const t = Template.fromStack(ownStack);
    t.resourceCountIs('AWS::SecretsManager::Secret', 4);
    expect(m.memoryTokenKeySecret).toBe(own);
    const arn = 'arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:team/memory-token-key';
    for (const fn of [m.clientDataFunction, m.retrieveFunction]) {
      expect(environmentOf(t, fn)[ENV.memoryTokenKeySecretId]).toBe(arn);
      expect(permissionsOf(t, logicalId(fn.executionRole))).toContain(`secretsmanager:GetSecretValue on ${arn}-??????`);
    }
  });

  test('memory token key overrides apply to the created secret', () => {
    const { memory: m, template: t } = variant({ memoryTokenKeySecretProps: { secretName: 'team/memory-token' } });
    expect(t.toJSON().Resources[logicalId(m.memoryTokenKeySecret)].Properties).toMatchObject({
      Name: 'team/memory-token',
      GenerateSecretString: { PasswordLength: 64 },
    });
  });

  test('the token rejection alarm: its threshold, and none where tokens are not accepted', () => {
    const rejections = (t: Template) =>
      Object.values(t.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'MemoryTokenRejections' } }));
    expect(rejections(template).map((alarm) => alarm.Properties.Threshold)).toEqual([5]);
    expect(
      rejections(variant({ memoryTokenRejectionsThreshold: 20 }).template).map((a) => a.Properties.Threshold),
    ).toEqual([20]);
    const keyOnly = variant({ retrieveAuth: 'key' });
    expect(rejections(keyOnly.template)).toEqual([]);
    expect(keyOnly.memory.alarms).toHaveLength(14);
  });

  test.each([
    [
      'retrieveAuth not a mode',
      { retrieveAuth: 'tokens' },
      /retrieveAuth must be one of 'token', 'token-or-key', 'key', got 'tokens'/,
    ],
    [
      'retrieveRequireApiKey false with tokens',
      { retrieveRequireApiKey: false },
      /retrieveRequireApiKey: false turns off the static key check of retrieveAuth: 'key', but retrieveAuth is 'token-or-key'/,
    ],
    [
      'a 59-second token',
      { memoryTokenTtl: Duration.seconds(59) },
      /memoryTokenTtl must be whole seconds from 60 s to 24 h, got 59 seconds/,
    ],
    [
      'a 25-hour token',
      { memoryTokenTtl: Duration.hours(25) },
      /memoryTokenTtl must be whole seconds from 60 s to 24 h/,
    ],
    ['a token of 90.5 s', { memoryTokenTtl: Duration.millis(90_500) }, /memoryTokenTtl must be whole seconds/],
    [
      'memoryScope not a mode',
      { memoryScope: 'agents' },
      /memoryScope must be one of 'deployment', 'agent', got 'agents'/,
    ],
    [
      'a scope map in deployment scope',
      { memoryScopeMap: { a: ['agent_1'] } },
      /memoryScopeMap groups agents into memory scopes and needs memoryScope: 'agent'/,
    ],
    [
      'a scope name with a slash',
      { memoryScope: 'agent', memoryScopeMap: { 'clinic/a': ['agent_1'] } },
      /memoryScopeMap scope name "clinic\/a" must be 1-128 letters, digits, _ or -/,
    ],
    [
      'an agent id with a space',
      { memoryScope: 'agent', memoryScopeMap: { a: ['agent 1'] } },
      /memoryScopeMap scope "a" lists "agent 1", which is not an ElevenLabs agent id/,
    ],
    [
      'an agent in two scopes',
      { memoryScope: 'agent', memoryScopeMap: { a: ['agent_1'], b: ['agent_2', 'agent_1'] } },
      /memoryScopeMap puts agent agent_1 in two scopes \("a" and "b"\)/,
    ],
    [
      'an agent listed twice',
      { memoryScope: 'agent', memoryScopeMap: { a: ['agent_1', 'agent_1'] } },
      /memoryScopeMap scope "a" lists agent agent_1 twice/,
    ],
    [
      'a scope without agents',
      { memoryScope: 'agent', memoryScopeMap: { a: [] } },
      /memoryScopeMap scope "a" must list at least one agent id/,
    ],
    ['an empty scope map', { memoryScope: 'agent', memoryScopeMap: {} }, /memoryScopeMap names no scope/],
    [
      'a token rejection threshold of 0',
      { memoryTokenRejectionsThreshold: 0 },
      /memoryTokenRejectionsThreshold must be an integer from 1/,
    ],
    [
      'a memory token key and overrides for it',
      {
        existingMemoryTokenKeySecret: secretsmanager.Secret.fromSecretNameV2(new Stack(), 'Own', 'own'),
        memoryTokenKeySecretProps: { description: 'x' },
      },
      /pass either existingMemoryTokenKeySecret or memoryTokenKeySecretProps, not both/,
    ],
  ] as unknown as [string, AgenticMemoryProps, RegExp][])(
    '%s: a clear error at synth time',
    (_name, props, message) => {
      expect(() => new AgenticMemory(new Stack(), 'Memory', props)).toThrow(message);
    },
  );

  describe("Lambda's 4 KB environment limit", () => {
    /** `count` agents with ElevenLabs-length ids (32 characters), one per scope. */
    const agents = (count: number) =>
      Object.fromEntries(
        Array.from({ length: count }, (_, i) => [`scope-${i}`, [`agent_${String(i).padStart(26, '0')}`]]),
      );

    test('a scope map of 40 agents fits', () => {
      const { memory: m, template: t } = variant({ memoryScope: 'agent', memoryScopeMap: agents(40) });
      expect(JSON.parse(environmentOf(t, m.clientDataFunction)[ENV.memoryScopeMap])).toEqual(agents(40));
    });

    test('a scope map too large for the environment is refused at synth, naming the function and the prop', () => {
      expect(() => variant({ memoryScope: 'agent', memoryScopeMap: agents(80) })).toThrow(
        /the client-data function's environment would take about \d+ bytes, over Lambda's 4096-byte limit \(memoryScopeMap \d+ bytes\); shorten the largest of these/,
      );
    });

    test('so is a prompt template that, with the map, would not fit', () => {
      expect(() =>
        variant({
          basePromptTemplate: `${'You are the Harbor Bistro host. '.repeat(60)}{{memory_context}}`,
          memoryScope: 'agent',
          memoryScopeMap: agents(20),
        }),
      ).toThrow(/client-data function's environment .* \(basePromptTemplate \d+ bytes, memoryScopeMap \d+ bytes\)/);
    });
  });
});
