/**
 * Environment variables the Lambda handlers read. The CDK construct sets them; the local stack
 * sets them too. `lib/` keeps its own copy of these names (lambdas/ and lib/ do not import each
 * other); test/lib/env-contract.test.ts proves the two copies agree.
 */
export const ENV = {
  /** S3 bucket that archives every payload. */
  archiveBucket: 'ARCHIVE_BUCKET',
  /** S3 endpoint override (local stack and tests only; unset on AWS). */
  archiveEndpoint: 'ARCHIVE_S3_ENDPOINT',
  /** Where memories live: mem0 (default) or agentcore (Amazon Bedrock AgentCore Memory). */
  memoryBackend: 'MEMORY_BACKEND',
  /** Mem0 API host, default https://api.mem0.ai. */
  mem0Host: 'MEM0_HOST',
  /** The AgentCore memory resource's id (agentcore backend). */
  agentCoreMemoryId: 'AGENTCORE_MEMORY_ID',
  /** AgentCore data-plane endpoint override (local stack and tests only; unset on AWS). */
  agentCoreEndpoint: 'AGENTCORE_ENDPOINT',
  /** Secrets Manager ids (name or ARN) of the secrets. */
  mem0ApiKeySecretId: 'MEM0_API_KEY_SECRET_ID',
  hmacKeySecretId: 'ELEVENLABS_HMAC_KEY_SECRET_ID',
  workspaceKeySecretId: 'WORKSPACE_KEY_SECRET_ID',
  retrieveApiKeySecretId: 'RETRIEVE_API_KEY_SECRET_ID',
  /** How long a secret value is cached in a warm Lambda, seconds. */
  secretsMaxAgeSeconds: 'SECRETS_MAX_AGE_SECONDS',
  /** DynamoDB table of the ingest worker's idempotency records. */
  idempotencyTable: 'IDEMPOTENCY_TABLE',
  /** Deadline for a memory read on the caller's critical path, ms. */
  memoryDeadlineMs: 'MEMORY_DEADLINE_MS',
  /** Deadline for a memory write in the ingest worker, ms. */
  memoryWriteDeadlineMs: 'MEMORY_WRITE_DEADLINE_MS',
  /** pre-call: switches for the two overrides ElevenLabs only accepts when enabled on the agent. */
  overridePrompt: 'OVERRIDE_PROMPT',
  overrideFirstMessage: 'OVERRIDE_FIRST_MESSAGE',
  /** pre-call: template of the prompt override; must contain {{memory_context}}. */
  basePromptTemplate: 'BASE_PROMPT_TEMPLATE',
  /** pre-call: greeting for callers we do not know. */
  newCallerGreeting: 'NEW_CALLER_GREETING',
  /** pre-call: bounds of the memory context. */
  contextMaxFacts: 'CONTEXT_MAX_FACTS',
  contextMaxHighlights: 'CONTEXT_MAX_HIGHLIGHTS',
  contextMaxChars: 'CONTEXT_MAX_CHARS',
  /** in-call: default number of memories a search returns. */
  searchDefaultLimit: 'SEARCH_DEFAULT_LIMIT',
  /** Webhooks (pre-call, post-call): comma-separated IPs/CIDRs allowed to call; empty = anyone. */
  allowedSourceIps: 'ALLOWED_SOURCE_IPS',
  /** in-call: "false" turns the X-Api-Key check off in `key` mode (explicit opt-out). */
  retrieveRequireApiKey: 'RETRIEVE_REQUIRE_API_KEY',
  /** in-call: how a search authenticates: token | token-or-key (default) | key. */
  retrieveAuth: 'RETRIEVE_AUTH',
  /** Secrets Manager id of the key that signs per-call memory tokens. */
  memoryTokenKeySecretId: 'MEMORY_TOKEN_KEY_SECRET_ID',
  /** pre-call: lifetime of a per-call memory token, seconds (default 7200). */
  memoryTokenTtlSeconds: 'MEMORY_TOKEN_TTL_SECONDS',
  /** Whose memory a call uses: deployment (default, one memory per caller) or agent (one per agent or scope). */
  memoryScope: 'MEMORY_SCOPE',
  /** agent scope: JSON map of scope names to agent ids; agents not in it have no memory. */
  memoryScopeMap: 'MEMORY_SCOPE_MAP',
  /** ingest: Secrets Manager id of the ElevenLabs API key; set, recordings are downloaded. */
  elevenLabsApiKeySecretId: 'ELEVENLABS_API_KEY_SECRET_ID',
  /** ingest: ElevenLabs API host, default https://api.elevenlabs.io. */
  elevenLabsApiHost: 'ELEVENLABS_API_HOST',
  /** ingest: deadline for downloading and archiving one recording, ms. */
  recordingDeadlineMs: 'RECORDING_DEADLINE_MS',
  /** retention: memories older than this many days are erased by the scheduled job. */
  memoryMaxAgeDays: 'MEMORY_MAX_AGE_DAYS',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];
