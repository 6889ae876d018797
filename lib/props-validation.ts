import { isIP } from 'node:net';
import { Duration, Token } from 'aws-cdk-lib';
import {
  AGENTCORE_STRATEGIES,
  HANDLER_BOUNDS,
  HANDLER_DEFAULTS,
  MEMORY_BACKENDS,
  RETRIEVE_AUTH_MODES,
} from './contract';
import { retrieveAuthOf, type AgenticMemoryProps } from './agentic-memory-props';
import { AGENTCORE_MEMORY_ID_PATTERN, AGENTCORE_MEMORY_LIMITS } from './parts/agentcore-memory';

/**
 * Refuses, at synth, props the construct or its handlers could not honour, each error naming
 * the prop and what it accepts. Values known only at deploy time (tokens) are let through.
 */
export function validateProps(props: AgenticMemoryProps): void {
  const badAddresses = (props.allowedSourceIps ?? []).filter((entry) => !isIpOrCidr(entry));
  if (badAddresses.length > 0) {
    throw new Error(
      `AgenticMemory: allowedSourceIps must be IP addresses or CIDR ranges; got ${badAddresses.join(', ')}.`,
    );
  }
  const archiveOverrides = [
    'archiveBucketProps',
    'archiveInfrequentAccessAfter',
    'archiveGlacierAfter',
    'archiveExpiration',
    'archiveRetention',
    'archiveAccessLogs',
  ] as const;
  if (props.existingArchiveBucket) {
    const given = archiveOverrides.filter((name) => props[name] !== undefined);
    if (given.length > 0) {
      throw new Error(
        `AgenticMemory: existingArchiveBucket cannot be combined with ${given.join(', ')}: configure your own bucket directly, or let the construct create one.`,
      );
    }
  }
  const secretPairs = [
    ['existingMem0ApiKeySecret', 'mem0ApiKeySecretProps'],
    ['existingHmacKeySecret', 'hmacKeySecretProps'],
    ['existingWorkspaceKeySecret', 'workspaceKeySecretProps'],
    ['existingRetrieveApiKeySecret', 'retrieveApiKeySecretProps'],
    ['existingMemoryTokenKeySecret', 'memoryTokenKeySecretProps'],
    ['existingElevenLabsApiKeySecret', 'elevenLabsApiKeySecretProps'],
  ] as const;
  for (const [existing, overrides] of secretPairs) {
    if (props[existing] && props[overrides]) {
      throw new Error(`AgenticMemory: pass either ${existing} or ${overrides}, not both.`);
    }
    const given = props[overrides] as Record<string, unknown> | undefined;
    for (const forbidden of ['secretStringValue', 'secretObjectValue', 'secretStringBeta1']) {
      if (given && given[forbidden] !== undefined) {
        throw new Error(
          `AgenticMemory: ${overrides}.${forbidden} would put a secret value in the CloudFormation template; set the value after deploying with put-secret-value.`,
        );
      }
    }
  }

  if (props.elevenLabsApiKeySecretProps && !props.downloadRecordings) {
    throw new Error('AgenticMemory: elevenLabsApiKeySecretProps needs downloadRecordings: true.');
  }
  if (props.downloadRecordings === false && props.existingElevenLabsApiKeySecret) {
    throw new Error(
      'AgenticMemory: existingElevenLabsApiKeySecret turns recording downloads on; remove downloadRecordings: false.',
    );
  }
  validateMemoryBackend(props);
  wholeDays('memoryMaxAge', props.memoryMaxAge, HANDLER_BOUNDS.memoryMaxAgeDays);
  for (const [kind, age] of Object.entries(props.archiveRetention ?? {})) {
    wholeDays(`archiveRetention.${kind}`, age as Duration | undefined, { min: 1, max: Number.MAX_SAFE_INTEGER });
  }
  integerInRange('searchLimit', props.searchLimit, HANDLER_BOUNDS.searchDefaultLimit);
  integerInRange('memoryDeadline (ms)', props.memoryDeadline?.toMilliseconds(), HANDLER_BOUNDS.memoryDeadlineMs);
  integerInRange(
    'memoryWriteDeadline (ms)',
    props.memoryWriteDeadline?.toMilliseconds(),
    HANDLER_BOUNDS.memoryWriteDeadlineMs,
  );
  integerInRange('ingestMaxConcurrency', props.ingestMaxConcurrency, { min: 2, max: 1000 });
  integerInRange('degradedAnswersThreshold', props.degradedAnswersThreshold, { min: 1, max: Number.MAX_SAFE_INTEGER });
  integerInRange('memoryTokenRejectionsThreshold', props.memoryTokenRejectionsThreshold, {
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
  });
  validateRetrieveAuth(props);
  integerInRange('throttling.rateLimit', props.throttling?.rateLimit, { min: 1, max: Number.MAX_SAFE_INTEGER });
  integerInRange('throttling.burstLimit', props.throttling?.burstLimit, { min: 1, max: Number.MAX_SAFE_INTEGER });
  for (const [name, value] of Object.entries(props.reservedConcurrency ?? {})) {
    integerInRange(`reservedConcurrency.${name}`, value as number | undefined, {
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
    });
  }
  for (const [name, value] of Object.entries(props.provisionedConcurrency ?? {})) {
    integerInRange(`provisionedConcurrency.${name}`, value as number | undefined, {
      min: 1,
      max: Number.MAX_SAFE_INTEGER,
    });
  }
  if (
    props.basePromptTemplate !== undefined &&
    !Token.isUnresolved(props.basePromptTemplate) &&
    !props.basePromptTemplate.includes(HANDLER_DEFAULTS.memoryContextPlaceholder)
  ) {
    throw new Error(`AgenticMemory: basePromptTemplate must contain ${HANDLER_DEFAULTS.memoryContextPlaceholder}.`);
  }
  if (
    props.newCallerGreeting !== undefined &&
    !Token.isUnresolved(props.newCallerGreeting) &&
    props.newCallerGreeting.length > HANDLER_BOUNDS.newCallerGreetingMaxChars
  ) {
    throw new Error(
      `AgenticMemory: newCallerGreeting is longer than ${HANDLER_BOUNDS.newCallerGreetingMaxChars} characters.`,
    );
  }
}

function validateMemoryBackend(props: AgenticMemoryProps): void {
  const memory = props.memory;
  if (memory === undefined) return;
  if (!(MEMORY_BACKENDS as readonly string[]).includes((memory as { name?: unknown }).name as string)) {
    throw new Error('AgenticMemory: memory must be MemoryBackend.mem0(…) or MemoryBackend.agentCore(…).');
  }
  if (memory.name === 'mem0') {
    if (memory.mem0?.host !== undefined && props.mem0Host !== undefined) {
      throw new Error('AgenticMemory: pass the Mem0 host once: MemoryBackend.mem0({ host }) or mem0Host, not both.');
    }
    return;
  }

  const mem0Only = (['mem0Host', 'existingMem0ApiKeySecret', 'mem0ApiKeySecretProps'] as const).filter(
    (name) => props[name] !== undefined,
  );
  if (mem0Only.length > 0) {
    throw new Error(
      `AgenticMemory: ${mem0Only.join(', ')} configure${mem0Only.length === 1 ? 's' : ''} the Mem0 backend, but memory is MemoryBackend.agentCore(): remove ${mem0Only.length === 1 ? 'it' : 'them'}.`,
    );
  }
  const { existingMemoryId, eventExpiry, strategies } = memory.agentCore ?? {};
  if (existingMemoryId !== undefined) {
    const forCreated = (['eventExpiry', 'strategies'] as const).filter(
      (name) => memory.agentCore?.[name] !== undefined,
    );
    if (forCreated.length > 0) {
      throw new Error(
        `AgenticMemory: MemoryBackend.agentCore: existingMemoryId cannot be combined with ${forCreated.join(', ')}, which configure a memory the construct creates; configure your memory directly.`,
      );
    }
    if (!Token.isUnresolved(existingMemoryId) && !AGENTCORE_MEMORY_ID_PATTERN.test(existingMemoryId)) {
      throw new Error(
        `AgenticMemory: MemoryBackend.agentCore: existingMemoryId must be a memory id (its name, '-' and ten letters or digits, e.g. AgenticMemory_A1B2C3D4-a1b2c3d4e5)${existingMemoryId.startsWith('arn:') ? ', not its ARN' : ''}; got "${existingMemoryId}".`,
      );
    }
  }
  wholeDays('MemoryBackend.agentCore eventExpiry', eventExpiry, AGENTCORE_MEMORY_LIMITS.eventExpiryDays);
  if (strategies !== undefined) {
    const known: readonly string[] = AGENTCORE_STRATEGIES.map((strategy) => strategy.type);
    const unknown = strategies.filter((strategy) => !known.includes(strategy));
    const repeated = strategies.filter((strategy, i) => strategies.indexOf(strategy) !== i);
    if (unknown.length > 0 || repeated.length > 0) {
      throw new Error(
        `AgenticMemory: MemoryBackend.agentCore strategies must be some of ${known.map((type) => `'${type}'`).join(', ')}, each once; got ${JSON.stringify(strategies)}.`,
      );
    }
  }
}

function validateRetrieveAuth(props: AgenticMemoryProps): void {
  if (props.retrieveAuth !== undefined && !RETRIEVE_AUTH_MODES.includes(props.retrieveAuth)) {
    throw new Error(
      `AgenticMemory: retrieveAuth must be one of ${RETRIEVE_AUTH_MODES.map((m) => `'${m}'`).join(', ')}, got '${String(props.retrieveAuth)}'.`,
    );
  }
  if (props.retrieveRequireApiKey === false && retrieveAuthOf(props) !== 'key') {
    throw new Error(
      `AgenticMemory: retrieveRequireApiKey: false turns off the static key check of retrieveAuth: 'key', but retrieveAuth is '${retrieveAuthOf(props)}'. Remove retrieveRequireApiKey (searches then authenticate with the per-call memory token), or set retrieveAuth: 'key' to keep an open search endpoint.`,
    );
  }
  const ttl = props.memoryTokenTtl;
  if (ttl !== undefined && !Token.isUnresolved(ttl.toMilliseconds({ integral: false }))) {
    const seconds = ttl.toMilliseconds({ integral: false }) / 1000;
    const { min, max } = HANDLER_BOUNDS.memoryTokenTtlSeconds;
    if (!Number.isInteger(seconds) || seconds < min || seconds > max) {
      throw new Error(
        `AgenticMemory: memoryTokenTtl must be whole seconds from ${min} s to ${max / 3600} h, got ${ttl.toHumanString()}.`,
      );
    }
  }
}

function wholeDays(name: string, age: Duration | undefined, range: { min: number; max: number }): void {
  if (age === undefined || Token.isUnresolved(age.toMilliseconds({ integral: false }))) return;
  const days = age.toHours({ integral: false }) / 24;
  if (!Number.isInteger(days) || days < range.min || days > range.max) {
    throw new Error(
      `AgenticMemory: ${name} must be whole days from ${range.min} to ${range.max}, got ${age.toHumanString()}.`,
    );
  }
}

function integerInRange(name: string, value: number | undefined, range: { min: number; max: number }): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new Error(`AgenticMemory: ${name} must be an integer from ${range.min} to ${range.max}, got ${value}.`);
  }
}

function isIpOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32));
}
