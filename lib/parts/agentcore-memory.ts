import { ArnFormat, Names, Stack } from 'aws-cdk-lib';
import * as bedrockagentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { removalPolicyOf, type AgentCoreBackendOptions, type AgenticMemoryProps } from '../agentic-memory-props';
import { AGENTCORE_STRATEGIES, type AgentCoreStrategyType } from '../contract';

/** Limits of `AWS::BedrockAgentCore::Memory` (AgentCore control plane API reference, CreateMemory). */
export const AGENTCORE_MEMORY_LIMITS = {
  /** `eventExpiryDuration`, days. */
  eventExpiryDays: { min: 3, max: 365 },
  /** `RecordExpirySpecification.recordExpiryDurationDays`: at least 31 days. */
  recordExpiryMinDays: 31,
  /** `name`: `[a-zA-Z][a-zA-Z0-9_]{0,47}`. */
  nameMaxLength: 48,
} as const;

/** A memory id: the memory's name, `-` and ten letters or digits (`Memory.id` in the API reference). */
export const AGENTCORE_MEMORY_ID_PATTERN = /^[a-zA-Z][a-zA-Z0-9-_]{0,99}-[a-zA-Z0-9]{10}$/;

/** Transcripts are kept as events this long unless `eventExpiry` says otherwise. */
export const DEFAULT_EVENT_EXPIRY_DAYS = 90;

/** Every strategy AgenticMemory knows, the default. */
export const DEFAULT_AGENTCORE_STRATEGIES: readonly AgentCoreStrategyType[] = AGENTCORE_STRATEGIES.map((s) => s.type);

export type AgentCoreMemoryProps = Pick<AgenticMemoryProps, 'removalPolicy' | 'memoryMaxAge'> & {
  /** `MemoryBackend.agentCore(options)`. */
  readonly options: AgentCoreBackendOptions;
};

/**
 * The Amazon Bedrock AgentCore memory the functions keep caller memories in: created here
 * (`AWS::BedrockAgentCore::Memory` with AgenticMemory's strategies and namespaces, the event
 * expiry and the customer's key), or the one `existingMemoryId` names. Retained when it leaves
 * the stack unless `removalPolicy` says otherwise, like the archive: erasing callers is `forget`'s
 * job, not a stack deletion's.
 *
 * Not a construct of its own: the memory is created in `scope` (the AgenticMemory construct), as
 * every part's resources are.
 */
export class AgentCoreMemory {
  /** The memory id (`AGENTCORE_MEMORY_ID`). */
  public readonly memoryId: string;
  /** The memory's ARN, the one resource the functions' AgentCore permissions name. */
  public readonly memoryArn: string;
  /** The memory resource, when the construct created it. */
  public readonly resource?: bedrockagentcore.CfnMemory;
  /** The customer managed key that encrypts the memory, when given. */
  public readonly encryptionKey?: kms.IKey;

  constructor(scope: Construct, props: AgentCoreMemoryProps) {
    const { existingMemoryId, encryptionKey, eventExpiry, strategies } = props.options;
    this.encryptionKey = encryptionKey;
    if (existingMemoryId !== undefined) {
      this.memoryId = existingMemoryId;
      this.memoryArn = Stack.of(scope).formatArn({
        service: 'bedrock-agentcore',
        resource: 'memory',
        resourceName: existingMemoryId,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
      return;
    }

    const wanted = new Set(strategies ?? DEFAULT_AGENTCORE_STRATEGIES);
    const maxAgeDays = props.memoryMaxAge?.toDays();
    // AgentCore expires what a strategy extracts itself, from 31 days on; the retention job still
    // erases the records the ingest worker writes and the events.
    const recordExpiry =
      maxAgeDays !== undefined && maxAgeDays >= AGENTCORE_MEMORY_LIMITS.recordExpiryMinDays
        ? { recordExpirySpecification: { recordExpiryDurationDays: maxAgeDays } }
        : {};
    const memoryStrategies = AGENTCORE_STRATEGIES.filter((strategy) => wanted.has(strategy.type)).map((strategy) => ({
      [strategy.cfnProperty]: {
        name: strategy.name,
        description: strategy.description,
        // `namespaces` is the API's deprecated spelling of the same list.
        namespaceTemplates: [...strategy.namespaces],
        ...recordExpiry,
      },
    }));
    this.resource = new bedrockagentcore.CfnMemory(scope, 'AgentCoreMemory', {
      name: memoryName(scope),
      description:
        'AgenticMemory: long-term memory of the callers of ElevenLabs voice agents (call transcripts as events; facts, preferences, call summaries and caller profiles as records)',
      eventExpiryDuration: eventExpiry?.toDays() ?? DEFAULT_EVENT_EXPIRY_DAYS,
      encryptionKeyArn: encryptionKey?.keyArn,
      // None: short-term events and the records the ingest worker writes, no LLM extraction.
      memoryStrategies: memoryStrategies.length > 0 ? memoryStrategies : undefined,
    });
    this.resource.applyRemovalPolicy(removalPolicyOf(props));
    this.memoryId = this.resource.attrMemoryId;
    this.memoryArn = this.resource.attrMemoryArn;
  }

  /**
   * Lets `fn` send exactly these AgentCore requests (`bedrock-agentcore:<action>`), to this memory
   * only; with a customer managed key, use the key for these KMS actions through AgentCore only.
   */
  public grant(fn: lambda.IFunction, actions: readonly string[], keyActions: readonly string[]): void {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: actions.map((action) => `bedrock-agentcore:${action}`),
        resources: [this.memoryArn],
      }),
    );
    if (!this.encryptionKey || keyActions.length === 0) return;
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [...keyActions],
        resources: [this.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `bedrock-agentcore.${Stack.of(fn).region}.amazonaws.com` } },
      }),
    );
  }
}

/**
 * A memory name unique in the account and region (the construct's path and its hash), within
 * CreateMemory's pattern: a letter first, then letters, digits and `_`, 48 characters at most.
 */
function memoryName(scope: Construct): string {
  const unique = Names.uniqueResourceName(scope, {
    maxLength: AGENTCORE_MEMORY_LIMITS.nameMaxLength - 1,
    separator: '_',
    allowedSpecialCharacters: '_',
  });
  return /^[A-Za-z]/.test(unique) ? unique : `M${unique}`;
}
