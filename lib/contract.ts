/**
 * What the infrastructure and the handlers agree on: environment variable names, metric names,
 * archive prefixes and a few defaults.
 *
 * `lib/` never imports `lambdas/` (the construct ships only the handlers' entry paths), so this
 * is a copy of `lambdas/shared/config/env-names.ts`, `lambdas/shared/powertools.ts`,
 * `lambdas/shared/archive/archive-keys.ts`, `lambdas/shared/config/memory-backend.ts` and
 * `lambdas/shared/memory/agentcore-ids.ts`. test/lib/env-contract.test.ts proves the copies agree.
 */

/** Environment variables the handlers read (`lambdas/shared/config/env-names.ts`). */
export const ENV = {
  archiveBucket: 'ARCHIVE_BUCKET',
  archiveEndpoint: 'ARCHIVE_S3_ENDPOINT',
  memoryBackend: 'MEMORY_BACKEND',
  mem0Host: 'MEM0_HOST',
  agentCoreMemoryId: 'AGENTCORE_MEMORY_ID',
  agentCoreEndpoint: 'AGENTCORE_ENDPOINT',
  mem0ApiKeySecretId: 'MEM0_API_KEY_SECRET_ID',
  hmacKeySecretId: 'ELEVENLABS_HMAC_KEY_SECRET_ID',
  workspaceKeySecretId: 'WORKSPACE_KEY_SECRET_ID',
  retrieveApiKeySecretId: 'RETRIEVE_API_KEY_SECRET_ID',
  secretsMaxAgeSeconds: 'SECRETS_MAX_AGE_SECONDS',
  idempotencyTable: 'IDEMPOTENCY_TABLE',
  memoryDeadlineMs: 'MEMORY_DEADLINE_MS',
  memoryWriteDeadlineMs: 'MEMORY_WRITE_DEADLINE_MS',
  overridePrompt: 'OVERRIDE_PROMPT',
  overrideFirstMessage: 'OVERRIDE_FIRST_MESSAGE',
  basePromptTemplate: 'BASE_PROMPT_TEMPLATE',
  newCallerGreeting: 'NEW_CALLER_GREETING',
  contextMaxFacts: 'CONTEXT_MAX_FACTS',
  contextMaxHighlights: 'CONTEXT_MAX_HIGHLIGHTS',
  contextMaxChars: 'CONTEXT_MAX_CHARS',
  searchDefaultLimit: 'SEARCH_DEFAULT_LIMIT',
  retrieveRequireApiKey: 'RETRIEVE_REQUIRE_API_KEY',
  retrieveAuth: 'RETRIEVE_AUTH',
  memoryTokenKeySecretId: 'MEMORY_TOKEN_KEY_SECRET_ID',
  memoryTokenTtlSeconds: 'MEMORY_TOKEN_TTL_SECONDS',
  memoryScope: 'MEMORY_SCOPE',
  memoryScopeMap: 'MEMORY_SCOPE_MAP',
  allowedSourceIps: 'ALLOWED_SOURCE_IPS',
  elevenLabsApiKeySecretId: 'ELEVENLABS_API_KEY_SECRET_ID',
  elevenLabsApiHost: 'ELEVENLABS_API_HOST',
  recordingDeadlineMs: 'RECORDING_DEADLINE_MS',
  memoryMaxAgeDays: 'MEMORY_MAX_AGE_DAYS',
} as const;

/** CloudWatch namespace of the handlers' Powertools (EMF) metrics. */
export const METRICS_NAMESPACE = 'AgenticMemory';

/** Powertools adds this dimension to every metric; its value is the function's service name. */
export const SERVICE_DIMENSION = 'service';

/** Metric names the handlers emit (`lambdas/shared/powertools.ts`). */
export const METRIC = {
  latency: 'Latency',
  memoriesReturned: 'MemoriesReturned',
  degradedResponses: 'DegradedResponses',
  signatureRejections: 'SignatureRejections',
  archiveFailures: 'ArchiveFailures',
  memoryStoreLatency: 'MemoryStoreLatency',
  ingestSucceeded: 'IngestSucceeded',
  ingestFailed: 'IngestFailed',
  ingestSkipped: 'IngestSkipped',
  memoriesWritten: 'MemoriesWritten',
  memoriesExpired: 'MemoriesExpired',
  withheldCallerIds: 'WithheldCallerIds',
  callsWithoutIdentity: 'CallsWithoutIdentity',
  memoryTokenRejections: 'MemoryTokenRejections',
} as const;

/** Service names: the Powertools `service` of each function (`createPowertools(...)`). */
export const SERVICE = {
  clientData: 'client-data',
  retrieve: 'retrieve',
  postCall: 'post-call',
  ingest: 'ingest',
} as const;

export type ServiceName = (typeof SERVICE)[keyof typeof SERVICE];

/** Functions that run on a schedule, created only when their feature is configured. */
export const SCHEDULED_SERVICE = {
  /** Erases memories past their maximum age (`memoryMaxAge`). */
  retention: 'retention',
} as const;

/** Every function's service name: also its handler folder under `lambdas/`. */
export type FunctionServiceName = ServiceName | (typeof SCHEDULED_SERVICE)[keyof typeof SCHEDULED_SERVICE];

/** Archive layout (`lambdas/shared/archive/archive-keys.ts`). */
export const ARCHIVE_PREFIX = {
  /** Pre-call requests and answers, written by client-data. */
  clientData: 'client-data/',
  /** Every signed post-call webhook as received: the ingest inbox. */
  rawPostCall: 'post-call/raw/',
  /** Recordings, keyed by conversation. */
  audio: 'post-call/audio/',
  /** Everything post-call: the raw inbox, per-caller copies and audio. */
  postCall: 'post-call/',
} as const;

/** Raw payloads are stored as `.json`; only those trigger ingestion. */
export const RAW_POST_CALL_SUFFIX = '.json';

/** Handler defaults the construct repeats explicitly in the environment (`lambdas/shared/config/settings.ts`). */
export const HANDLER_DEFAULTS = {
  memoryDeadlineMs: 1500,
  memoryWriteDeadlineMs: 10_000,
  searchDefaultLimit: 10,
  secretsMaxAgeSeconds: 300,
  memoryContextPlaceholder: '{{memory_context}}',
  recordingDeadlineMs: 300_000,
  memoryTokenTtlSeconds: 7200,
  retrieveAuth: 'token-or-key',
  memoryScope: 'deployment',
} as const;

/** Bounds the handlers' settings schemas accept; the construct checks them at synth time. */
export const HANDLER_BOUNDS = {
  memoryDeadlineMs: { min: 50, max: 25_000 },
  memoryWriteDeadlineMs: { min: 100, max: 120_000 },
  searchDefaultLimit: { min: 1, max: 50 },
  newCallerGreetingMaxChars: 1000,
  memoryMaxAgeDays: { min: 1, max: 36_500 },
  memoryTokenTtlSeconds: { min: 60, max: 86_400 },
} as const;

/**
 * How an in-call search authenticates (`RETRIEVE_AUTH`): the per-call memory token only, the
 * token or the static retrieve key, or the static key only.
 */
export const RETRIEVE_AUTH_MODES = ['token', 'token-or-key', 'key'] as const;
export type RetrieveAuth = (typeof RETRIEVE_AUTH_MODES)[number];

/** Whose memory a call uses (`MEMORY_SCOPE`): one per caller, or one per caller and agent (or scope). */
export const MEMORY_SCOPE_MODES = ['deployment', 'agent'] as const;
export type MemoryScope = (typeof MEMORY_SCOPE_MODES)[number];

/** The alphabet of ElevenLabs agent ids, which scope names share (`parseScopeMap`). */
export const SCOPE_NAME_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Where caller memories live (`MEMORY_BACKEND`, `lambdas/shared/config/memory-backend.ts`): Mem0
 * Cloud, the default, or Amazon Bedrock AgentCore Memory in the deployment's own account.
 */
export const MEMORY_BACKENDS = ['mem0', 'agentcore'] as const;
export type MemoryBackendName = (typeof MEMORY_BACKENDS)[number];

/**
 * The AgentCore namespaces the handlers read and write (`lambdas/shared/memory/agentcore-ids.ts`),
 * in AgentCore's placeholder syntax. The strategies the construct creates write into them.
 */
export const AGENTCORE_NAMESPACE_TEMPLATES = {
  facts: '/agentic-memory/actors/{actorId}/semantic/facts/',
  preferences: '/agentic-memory/actors/{actorId}/semantic/preferences/',
  summaries: '/agentic-memory/actors/{actorId}/factual/{sessionId}/',
  profile: '/agentic-memory/actors/{actorId}/profile/{sessionId}/',
} as const;

/**
 * The long-term strategies of the AgentCore memory resource (`AGENTCORE_STRATEGIES` in
 * `lambdas/shared/memory/agentcore-ids.ts`): its `AWS::BedrockAgentCore::Memory` property, name,
 * description and namespaces. A deployment may leave some out, never change their namespaces:
 * the handlers would not read what they write.
 */
export const AGENTCORE_STRATEGIES = [
  {
    type: 'SEMANTIC',
    cfnProperty: 'semanticMemoryStrategy',
    name: 'AgenticMemoryFacts',
    description: 'Facts callers state, per caller memory identity',
    namespaces: [AGENTCORE_NAMESPACE_TEMPLATES.facts],
  },
  {
    type: 'USER_PREFERENCE',
    cfnProperty: 'userPreferenceMemoryStrategy',
    name: 'AgenticMemoryPreferences',
    description: 'Preferences callers express, per caller memory identity',
    namespaces: [AGENTCORE_NAMESPACE_TEMPLATES.preferences],
  },
  {
    type: 'SUMMARIZATION',
    cfnProperty: 'summaryMemoryStrategy',
    name: 'AgenticMemorySummaries',
    description: 'A summary of each call, per caller memory identity and conversation',
    namespaces: [AGENTCORE_NAMESPACE_TEMPLATES.summaries],
  },
] as const;

/** An AgentCore long-term strategy, by its AgentCore type. */
export type AgentCoreStrategyType = (typeof AGENTCORE_STRATEGIES)[number]['type'];
