import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  memoryBackendOf,
  removalPolicyOf,
  type AgenticMemoryProps,
  type ManagedSecretProps,
} from '../agentic-memory-props';
import { acknowledge } from '../nag';

export type MemorySecretsProps = Pick<
  AgenticMemoryProps,
  | 'existingMem0ApiKeySecret'
  | 'mem0ApiKeySecretProps'
  | 'existingHmacKeySecret'
  | 'hmacKeySecretProps'
  | 'existingWorkspaceKeySecret'
  | 'workspaceKeySecretProps'
  | 'existingRetrieveApiKeySecret'
  | 'retrieveApiKeySecretProps'
  | 'existingMemoryTokenKeySecret'
  | 'memoryTokenKeySecretProps'
  | 'downloadRecordings'
  | 'existingElevenLabsApiKeySecret'
  | 'elevenLabsApiKeySecretProps'
  | 'removalPolicy'
  | 'memory'
>;

/** What each secret the construct creates says it is for, and how its first value is generated. */
const SECRET_DEFAULTS = {
  mem0ApiKey: {
    description:
      'AgenticMemory: Mem0 API key. Set it to your key from app.mem0.ai (the generated value is only a placeholder).',
    generateSecretString: { passwordLength: 32, excludePunctuation: true },
  },
  hmacKey: {
    description:
      'AgenticMemory: ElevenLabs post-call webhook HMAC secret. Set it to the secret ElevenLabs shows for the webhook (the generated value is only a placeholder).',
    generateSecretString: { passwordLength: 32, excludePunctuation: true },
  },
  workspaceKey: {
    description:
      'AgenticMemory: workspace key. Store this value as an ElevenLabs secret sent as the X-Workspace-Key header of the conversation-initiation webhook.',
    generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
  },
  retrieveApiKey: {
    description:
      'AgenticMemory: retrieve key. Store this value as an ElevenLabs secret sent as the X-Api-Key header of the search_memory tool.',
    generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
  },
  memoryTokenKey: {
    description:
      'AgenticMemory: memory token key. Signs the per-call memory tokens the pre-call hands to the search_memory tool; read only by the pre-call and in-call functions. Never copy it out of AWS.',
    // About 380 random bits, well past HMAC-SHA256's 256-bit strength.
    generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
  },
  elevenLabsApiKey: {
    description:
      'AgenticMemory: ElevenLabs API key, to download call recordings. Set it to an API key from your ElevenLabs workspace (the generated value is only a placeholder).',
    generateSecretString: { passwordLength: 32, excludePunctuation: true },
  },
} satisfies Record<string, ManagedSecretProps>;

/** Why a secret the construct creates has no rotation schedule (cdk-nag AwsSolutions-SMG4). */
const NO_ROTATION_BECAUSE = {
  shared:
    'No automatic rotation: the value is shared with a third party (issued by Mem0 or ElevenLabs, or pasted into the ElevenLabs workspace), so a rotation function cannot change both sides at once; rotate by hand with put-secret-value (warm functions pick the new value up within the secrets cache TTL).',
  memoryTokenKey:
    'No automatic rotation: the functions verify memory tokens with the current value only, so a rotation ends memory search for the calls in progress (their tokens were signed with the old value); rotate by hand at a quiet hour with the MemoryTokenKeySecretCommand output.',
} as const;

/**
 * The secrets the functions read: each one given by the caller (`existing…Secret`) or created
 * with a generated value that never appears in the template. The Mem0 API key exists only with
 * the Mem0 backend, the ElevenLabs API key only with recording downloads.
 *
 * Not a construct of its own: the secrets are created in `scope` (the AgenticMemory construct),
 * so that their logical ids, and with them the secrets' generated names, stay those of a
 * deployed stack.
 */
export class MemorySecrets {
  /** Mem0 API key (set by the operator), with the Mem0 backend. */
  public readonly mem0ApiKey?: secretsmanager.ISecret;
  /** ElevenLabs post-call webhook HMAC key (set by the operator). */
  public readonly hmacKey: secretsmanager.ISecret;
  /** Workspace key: the `X-Workspace-Key` header ElevenLabs sends to the pre-call webhook. */
  public readonly workspaceKey: secretsmanager.ISecret;
  /** Retrieve key: the `X-Api-Key` header of the `search_memory` tool. */
  public readonly retrieveApiKey: secretsmanager.ISecret;
  /** Memory token key: signs the per-call memory tokens. */
  public readonly memoryTokenKey: secretsmanager.ISecret;
  /** ElevenLabs API key for recording downloads, when `downloadRecordings` is on. */
  public readonly elevenLabsApiKey?: secretsmanager.ISecret;

  private readonly scope: Construct;
  private readonly props: MemorySecretsProps;

  constructor(scope: Construct, props: MemorySecretsProps) {
    this.scope = scope;
    this.props = props;
    this.mem0ApiKey =
      memoryBackendOf(props) !== 'mem0'
        ? undefined
        : (props.existingMem0ApiKeySecret ??
          this.create('Mem0ApiKey', SECRET_DEFAULTS.mem0ApiKey, props.mem0ApiKeySecretProps));
    this.hmacKey =
      props.existingHmacKeySecret ?? this.create('HmacKey', SECRET_DEFAULTS.hmacKey, props.hmacKeySecretProps);
    this.workspaceKey =
      props.existingWorkspaceKeySecret ??
      this.create('WorkspaceKey', SECRET_DEFAULTS.workspaceKey, props.workspaceKeySecretProps);
    this.retrieveApiKey =
      props.existingRetrieveApiKeySecret ??
      this.create('RetrieveApiKey', SECRET_DEFAULTS.retrieveApiKey, props.retrieveApiKeySecretProps);
    this.memoryTokenKey =
      props.existingMemoryTokenKeySecret ??
      this.create(
        'MemoryTokenKey',
        SECRET_DEFAULTS.memoryTokenKey,
        props.memoryTokenKeySecretProps,
        NO_ROTATION_BECAUSE.memoryTokenKey,
      );
    this.elevenLabsApiKey =
      props.existingElevenLabsApiKeySecret ??
      (props.downloadRecordings
        ? this.create('ElevenLabsApiKey', SECRET_DEFAULTS.elevenLabsApiKey, props.elevenLabsApiKeySecretProps)
        : undefined);
  }

  private create(
    name: string,
    defaults: ManagedSecretProps,
    overrides: ManagedSecretProps | undefined,
    noRotationBecause: string = NO_ROTATION_BECAUSE.shared,
  ): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this.scope, `${name}Secret`, {
      ...defaults,
      ...overrides,
      removalPolicy: removalPolicyOf(this.props),
    });
    acknowledge(secret, 'AwsSolutions-SMG4', noRotationBecause);
    return secret;
  }
}
