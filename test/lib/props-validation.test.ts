import { Duration, Lazy, SecretValue, Stack, Token } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { MemoryBackend, type AgenticMemoryProps } from '../../lib/agentic-memory-props';
import { validateProps } from '../../lib/props-validation';

const stack = new Stack();
const bucket = s3.Bucket.fromBucketName(stack, 'Bucket', 'team-archive');
const secret = (name: string) => secretsmanager.Secret.fromSecretNameV2(stack, name, `team/${name}`);

test('no props at all are valid', () => {
  expect(() => validateProps({})).not.toThrow();
});

test.each<[string, AgenticMemoryProps, string]>([
  [
    'addresses that are not IPs or CIDR ranges',
    { allowedSourceIps: ['34.67.146.145', 'example.com', '10.0.0.0/33', '::1/129', '1.2.3.4/8/1'] },
    'AgenticMemory: allowedSourceIps must be IP addresses or CIDR ranges; got example.com, 10.0.0.0/33, ::1/129, 1.2.3.4/8/1.',
  ],
  [
    'an existing bucket with settings for a created one',
    { existingArchiveBucket: bucket, archiveExpiration: Duration.days(1), archiveAccessLogs: true },
    'AgenticMemory: existingArchiveBucket cannot be combined with archiveExpiration, archiveAccessLogs: configure your own bucket directly, or let the construct create one.',
  ],
  [
    'an existing secret with overrides for a created one',
    { existingHmacKeySecret: secret('hmac'), hmacKeySecretProps: {} },
    'AgenticMemory: pass either existingHmacKeySecret or hmacKeySecretProps, not both.',
  ],
  [
    'a secret value in the props',
    { mem0ApiKeySecretProps: { secretStringValue: SecretValue.unsafePlainText('sk') } as never },
    'AgenticMemory: mem0ApiKeySecretProps.secretStringValue would put a secret value in the CloudFormation template; set the value after deploying with put-secret-value.',
  ],
  [
    'ElevenLabs key overrides without recording downloads',
    { elevenLabsApiKeySecretProps: {} },
    'AgenticMemory: elevenLabsApiKeySecretProps needs downloadRecordings: true.',
  ],
  [
    'an existing ElevenLabs key with downloads turned off',
    { downloadRecordings: false, existingElevenLabsApiKeySecret: secret('elevenlabs') },
    'AgenticMemory: existingElevenLabsApiKeySecret turns recording downloads on; remove downloadRecordings: false.',
  ],
  [
    'a memory age that is not whole days',
    { memoryMaxAge: Duration.hours(36) },
    'AgenticMemory: memoryMaxAge must be whole days from 1 to 36500, got 1 day 12 hours.',
  ],
  [
    'an archive retention that is not whole days',
    { archiveRetention: { audio: Duration.hours(5) } },
    'AgenticMemory: archiveRetention.audio must be whole days from 1 to 9007199254740991, got 5 hours.',
  ],
  [
    'a search limit over 50',
    { searchLimit: 51 },
    'AgenticMemory: searchLimit must be an integer from 1 to 50, got 51.',
  ],
  [
    'a memory deadline under 50 ms',
    { memoryDeadline: Duration.millis(10) },
    'AgenticMemory: memoryDeadline (ms) must be an integer from 50 to 25000, got 10.',
  ],
  [
    'a write deadline over two minutes',
    { memoryWriteDeadline: Duration.minutes(5) },
    'AgenticMemory: memoryWriteDeadline (ms) must be an integer from 100 to 120000, got 300000.',
  ],
  [
    'one ingest worker',
    { ingestMaxConcurrency: 1 },
    'AgenticMemory: ingestMaxConcurrency must be an integer from 2 to 1000, got 1.',
  ],
  [
    'a fractional alarm threshold',
    { memoryTokenRejectionsThreshold: 0.5 },
    'AgenticMemory: memoryTokenRejectionsThreshold must be an integer from 1 to 9007199254740991, got 0.5.',
  ],
  [
    'an unknown retrieveAuth',
    { retrieveAuth: 'nope' as never },
    "AgenticMemory: retrieveAuth must be one of 'token', 'token-or-key', 'key', got 'nope'.",
  ],
  [
    'an open search endpoint outside key mode',
    { retrieveRequireApiKey: false },
    "AgenticMemory: retrieveRequireApiKey: false turns off the static key check of retrieveAuth: 'key', but retrieveAuth is 'token-or-key'. Remove retrieveRequireApiKey (searches then authenticate with the per-call memory token), or set retrieveAuth: 'key' to keep an open search endpoint.",
  ],
  [
    'a token lifetime under a minute',
    { memoryTokenTtl: Duration.seconds(30) },
    'AgenticMemory: memoryTokenTtl must be whole seconds from 60 s to 24 h, got 30 seconds.',
  ],
  [
    'a throttling rate of zero',
    { throttling: { rateLimit: 0 } },
    'AgenticMemory: throttling.rateLimit must be an integer from 1 to 9007199254740991, got 0.',
  ],
  [
    'negative reserved concurrency',
    { reservedConcurrency: { ingest: -1 } },
    'AgenticMemory: reservedConcurrency.ingest must be an integer from 0 to 9007199254740991, got -1.',
  ],
  [
    'zero provisioned concurrency',
    { provisionedConcurrency: { retrieve: 0 } },
    'AgenticMemory: provisionedConcurrency.retrieve must be an integer from 1 to 9007199254740991, got 0.',
  ],
  [
    'a prompt template without the memory placeholder',
    { basePromptTemplate: 'You are helpful.' },
    'AgenticMemory: basePromptTemplate must contain {{memory_context}}.',
  ],
  [
    'a greeting over 1000 characters',
    { newCallerGreeting: 'x'.repeat(1001) },
    'AgenticMemory: newCallerGreeting is longer than 1000 characters.',
  ],
  [
    'a backend that is not a MemoryBackend',
    { memory: { name: 'dynamodb' } as never },
    'AgenticMemory: memory must be MemoryBackend.mem0(…) or MemoryBackend.agentCore(…).',
  ],
  [
    'the Mem0 host given twice',
    { memory: MemoryBackend.mem0({ host: 'https://a.example' }), mem0Host: 'https://b.example' },
    'AgenticMemory: pass the Mem0 host once: MemoryBackend.mem0({ host }) or mem0Host, not both.',
  ],
  [
    'Mem0 settings with the AgentCore backend',
    { memory: MemoryBackend.agentCore(), mem0Host: 'https://mem0.example', existingMem0ApiKeySecret: secret('mem0') },
    'AgenticMemory: mem0Host, existingMem0ApiKeySecret configure the Mem0 backend, but memory is MemoryBackend.agentCore(): remove them.',
  ],
  [
    'Mem0 key overrides with the AgentCore backend',
    { memory: MemoryBackend.agentCore(), mem0ApiKeySecretProps: {} },
    'AgenticMemory: mem0ApiKeySecretProps configures the Mem0 backend, but memory is MemoryBackend.agentCore(): remove it.',
  ],
  [
    'an existing AgentCore memory with settings for a created one',
    {
      memory: MemoryBackend.agentCore({
        existingMemoryId: 'Kept_Memory-a1b2c3d4e5',
        eventExpiry: Duration.days(30),
        strategies: ['SEMANTIC'],
      }),
    },
    'AgenticMemory: MemoryBackend.agentCore: existingMemoryId cannot be combined with eventExpiry, strategies, which configure a memory the construct creates; configure your memory directly.',
  ],
  [
    'a memory ARN where the id goes',
    {
      memory: MemoryBackend.agentCore({
        existingMemoryId: 'arn:aws:bedrock-agentcore:eu-west-1:111122223333:memory/Kept_Memory-a1b2c3d4e5',
      }),
    },
    'AgenticMemory: MemoryBackend.agentCore: existingMemoryId must be a memory id (its name, \'-\' and ten letters or digits, e.g. AgenticMemory_A1B2C3D4-a1b2c3d4e5), not its ARN; got "arn:aws:bedrock-agentcore:eu-west-1:111122223333:memory/Kept_Memory-a1b2c3d4e5".',
  ],
  [
    'a memory id without its ten-character suffix',
    { memory: MemoryBackend.agentCore({ existingMemoryId: 'Kept_Memory' }) },
    'AgenticMemory: MemoryBackend.agentCore: existingMemoryId must be a memory id (its name, \'-\' and ten letters or digits, e.g. AgenticMemory_A1B2C3D4-a1b2c3d4e5); got "Kept_Memory".',
  ],
  [
    'events kept less than AgentCore’s 3 days',
    { memory: MemoryBackend.agentCore({ eventExpiry: Duration.days(2) }) },
    'AgenticMemory: MemoryBackend.agentCore eventExpiry must be whole days from 3 to 365, got 2 days.',
  ],
  [
    'events kept more than a year',
    { memory: MemoryBackend.agentCore({ eventExpiry: Duration.days(366) }) },
    'AgenticMemory: MemoryBackend.agentCore eventExpiry must be whole days from 3 to 365, got 366 days.',
  ],
  [
    'an unknown or repeated strategy',
    { memory: MemoryBackend.agentCore({ strategies: ['SEMANTIC', 'EPISODIC' as never, 'SEMANTIC'] }) },
    'AgenticMemory: MemoryBackend.agentCore strategies must be some of \'SEMANTIC\', \'USER_PREFERENCE\', \'SUMMARIZATION\', each once; got ["SEMANTIC","EPISODIC","SEMANTIC"].',
  ],
])('refuses %s, saying what is accepted', (_name, props, message) => {
  expect(() => validateProps(props)).toThrow(new Error(message));
});

test('the limits themselves are accepted', () => {
  expect(() =>
    validateProps({
      allowedSourceIps: ['10.0.0.0/32', '::/0', '192.0.2.7'],
      memoryMaxAge: Duration.days(36_500),
      archiveRetention: { rawPayloads: Duration.days(1), audio: Duration.hours(48) },
      searchLimit: 50,
      memoryDeadline: Duration.millis(50),
      memoryWriteDeadline: Duration.minutes(2),
      ingestMaxConcurrency: 1000,
      memoryTokenTtl: Duration.hours(24),
      reservedConcurrency: { ingest: 0 },
      newCallerGreeting: 'x'.repeat(1000),
      retrieveAuth: 'key',
      retrieveRequireApiKey: false,
    }),
  ).not.toThrow();
});

test('the AgentCore limits themselves, and each backend on its own, are accepted', () => {
  for (const props of [
    { memory: MemoryBackend.agentCore({ eventExpiry: Duration.days(3), strategies: [] }) },
    {
      memory: MemoryBackend.agentCore({
        eventExpiry: Duration.days(365),
        strategies: ['SUMMARIZATION', 'USER_PREFERENCE', 'SEMANTIC'],
      }),
    },
    { memory: MemoryBackend.agentCore({ existingMemoryId: 'a-0123456789' }) },
    { memory: MemoryBackend.mem0({ host: 'https://mem0.example' }), existingMem0ApiKeySecret: secret('team-mem0') },
    { memory: MemoryBackend.mem0(), mem0Host: 'https://mem0.example' },
  ] satisfies AgenticMemoryProps[]) {
    expect(() => validateProps(props)).not.toThrow();
  }
});

test('values known only at deploy time are let through', () => {
  const deployTime = Token.asNumber(Lazy.number({ produce: () => 0 }));
  expect(() =>
    validateProps({
      searchLimit: deployTime,
      memoryDeadline: Duration.millis(deployTime),
      basePromptTemplate: Lazy.string({ produce: () => 'no placeholder' }),
    }),
  ).not.toThrow();
  expect(() =>
    validateProps({
      memory: MemoryBackend.agentCore({ existingMemoryId: Lazy.string({ produce: () => 'imported' }) }),
    }),
  ).not.toThrow();
});
