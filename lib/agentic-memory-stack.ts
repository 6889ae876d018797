import { Aws, CfnOutput, Fn, Stack, Token, type StackProps } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { AgenticMemory, type AgenticMemoryProps } from './agentic-memory';
import { mem0HostOf } from './agentic-memory-props';
import { HANDLER_DEFAULTS } from './contract';
import { memoryScopeMapVariable } from './memory-scope';

/** The handlers' default Mem0 host, stated in the outputs for the admin CLI. */
const DEFAULT_MEM0_HOST = 'https://api.mem0.ai';

/**
 * An email address SNS can subscribe: something@domain.tld, no spaces. SNS checks the rest when it
 * sends the confirmation; this catches the typo that would otherwise deploy a topic nobody reads.
 */
const EMAIL_ADDRESS = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** What the search_memory tool sends, per `retrieveAuth`. */
const RETRIEVE_HEADERS = {
  token: 'header X-Memory-Token: {{secret__memory_token}}',
  'token-or-key': 'header X-Memory-Token: {{secret__memory_token}}; X-Api-Key for web calls without a pre-call',
  key: 'header X-Api-Key',
} as const;

export interface AgenticMemoryStackProps extends StackProps {
  /**
   * Props of the AgenticMemory construct.
   * @default - the construct's defaults
   */
  readonly memory?: AgenticMemoryProps;

  /**
   * Email address subscribed to a new alarm topic. Ignored when `memory.alarmTopic` is given.
   * @default - no topic: alarms are visible on the dashboard only
   */
  readonly alarmEmail?: string;
}

/**
 * The deployable AgenticMemory: the construct, an optional alarm topic, and the outputs an
 * operator needs to wire ElevenLabs (URLs, secret names and the commands to set or read them,
 * the dashboard). No output holds a secret value.
 */
export class AgenticMemoryStack extends Stack {
  public readonly memory: AgenticMemory;
  /** The alarm topic, when `alarmEmail` was given. */
  public readonly alarmTopic?: sns.Topic;

  constructor(scope: Construct, id: string, props: AgenticMemoryStackProps = {}) {
    super(scope, id, {
      description: 'AgenticMemory: long-term caller memory for ElevenLabs voice agents',
      ...props,
    });

    if (
      props.alarmEmail !== undefined &&
      !Token.isUnresolved(props.alarmEmail) &&
      !EMAIL_ADDRESS.test(props.alarmEmail)
    ) {
      throw new Error(
        `AgenticMemory: alarmEmail must be an email address (name@example.com) to send alarms to, got ${JSON.stringify(props.alarmEmail)}.`,
      );
    }
    if (props.alarmEmail && !props.memory?.alarmTopic) {
      this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { displayName: 'AgenticMemory alarms', enforceSSL: true });
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }

    this.memory = new AgenticMemory(this, 'Memory', {
      ...props.memory,
      alarmTopic: props.memory?.alarmTopic ?? this.alarmTopic,
    });

    new CfnOutput(this, 'ClientDataApiUrl', {
      value: this.memory.clientDataUrl,
      description: 'ElevenLabs agent > Security > conversation initiation webhook URL (POST, header X-Workspace-Key)',
    });
    const retrieveAuth = props.memory?.retrieveAuth ?? HANDLER_DEFAULTS.retrieveAuth;
    new CfnOutput(this, 'RetrieveApiUrl', {
      value: this.memory.retrieveUrl,
      description: `URL of the search_memory server tool (POST, ${RETRIEVE_HEADERS[retrieveAuth]})`,
    });
    new CfnOutput(this, 'PostCallApiUrl', {
      value: this.memory.postCallUrl,
      description: 'ElevenLabs post-call webhook URL (HMAC authentication)',
    });

    if (this.memory.memoryBackend === 'mem0') {
      this.secretOutputs(
        'Mem0ApiKey',
        this.memory.mem0ApiKeySecret,
        'set',
        'Mem0 API key: set it to your key from app.mem0.ai',
      );
    }
    this.secretOutputs(
      'HmacKey',
      this.memory.hmacKeySecret,
      'set',
      'ElevenLabs post-call webhook secret: set it to the value ElevenLabs shows',
    );
    this.secretOutputs(
      'WorkspaceKey',
      this.memory.workspaceKeySecret,
      'read',
      'Workspace key: store it as the ElevenLabs secret sent in X-Workspace-Key',
    );
    this.secretOutputs(
      'RetrieveApiKey',
      this.memory.retrieveApiKeySecret,
      'read',
      retrieveAuth === 'token'
        ? 'Retrieve key: not accepted while retrieveAuth is token (searches use the per-call memory token)'
        : 'Retrieve key: store it as the ElevenLabs secret sent in X-Api-Key',
    );
    this.secretOutputs(
      'MemoryTokenKey',
      this.memory.memoryTokenKeySecret,
      'rotate',
      'Memory token key: signs the per-call memory tokens; it never leaves AWS (a rotation ends memory search for calls in progress)',
    );
    if (this.memory.elevenLabsApiKeySecret) {
      this.secretOutputs(
        'ElevenLabsApiKey',
        this.memory.elevenLabsApiKeySecret,
        'set',
        'ElevenLabs API key: set it to an API key of your ElevenLabs workspace (recording downloads)',
      );
    }

    // What the admin CLI (`npx agentic-memory --stack NAME`) works on.
    new CfnOutput(this, 'ArchiveBucketName', {
      value: this.memory.archiveBucket.bucketName,
      description: 'S3 bucket archiving every payload, transcript and recording',
    });
    new CfnOutput(this, 'IngestQueueUrl', {
      value: this.memory.ingestQueue.queueUrl,
      description: 'SQS queue of the ingest worker',
    });
    new CfnOutput(this, 'IngestDeadLetterQueueUrl', {
      value: this.memory.ingestDeadLetterQueue.queueUrl,
      description: 'Payloads the ingest worker failed five times (redrive: npx agentic-memory replay --dead-letters)',
    });
    new CfnOutput(this, 'MemoryBackend', {
      value: this.memory.memoryBackend,
      description: 'Where caller memories live: mem0 (Mem0 Cloud) or agentcore (Amazon Bedrock AgentCore Memory)',
    });
    if (this.memory.agentCoreMemoryId !== undefined) {
      new CfnOutput(this, 'AgentCoreMemoryId', {
        value: this.memory.agentCoreMemoryId,
        description:
          'Amazon Bedrock AgentCore memory holding caller memories (redeploy with -c agentCoreMemoryId=<this id> to keep it)',
      });
    } else {
      new CfnOutput(this, 'Mem0Host', {
        value: mem0HostOf(props.memory ?? {}) ?? DEFAULT_MEM0_HOST,
        description: 'Mem0 API host the functions use',
      });
    }
    // Spelled as in the functions' environment, so the admin CLI reads them as the functions do.
    new CfnOutput(this, 'MemoryScope', {
      value: props.memory?.memoryScope ?? HANDLER_DEFAULTS.memoryScope,
      description: 'Whose memory a call uses: deployment (one per caller) or agent (one per caller and agent or scope)',
    });
    const scopeMap = memoryScopeMapVariable(props.memory?.memoryScope, props.memory?.memoryScopeMap);
    if (scopeMap !== undefined) {
      new CfnOutput(this, 'MemoryScopeMap', {
        value: scopeMap,
        description: 'Memory scopes and their agent ids (JSON); calls of other agents are not remembered',
      });
    }
    new CfnOutput(this, 'RetrieveAuth', {
      value: retrieveAuth,
      description: 'How the search_memory tool authenticates: token, token-or-key or key',
    });

    new CfnOutput(this, 'DashboardUrl', {
      value: Fn.join('', [
        'https://',
        Aws.REGION,
        '.console.aws.amazon.com/cloudwatch/home?region=',
        Aws.REGION,
        '#dashboards:name=',
        this.memory.dashboard.dashboardName,
      ]),
      description: 'CloudWatch dashboard of AgenticMemory',
    });
  }

  /**
   * `<Name>SecretName` and `<Name>SecretCommand`: the name, and the aws CLI command that sets it,
   * reads it, or rotates it to a new random value that is never printed.
   */
  private secretOutputs(
    name: string,
    secret: secretsmanager.ISecret,
    action: 'set' | 'read' | 'rotate',
    description: string,
  ): void {
    new CfnOutput(this, `${name}SecretName`, { value: secret.secretName, description });
    const putSecretValue = (value: string) =>
      Fn.join('', [
        'aws secretsmanager put-secret-value --region ',
        Aws.REGION,
        ' --secret-id ',
        secret.secretName,
        ` --secret-string ${value}`,
      ]);
    const command = {
      set: putSecretValue('"$VALUE"'),
      read: Fn.join('', [
        'aws secretsmanager get-secret-value --region ',
        Aws.REGION,
        ' --secret-id ',
        secret.secretName,
        ' --query SecretString --output text',
      ]),
      rotate: putSecretValue(
        Fn.join('', [
          '"$(aws secretsmanager get-random-password --region ',
          Aws.REGION,
          ' --password-length 64 --exclude-punctuation --query RandomPassword --output text)"',
        ]),
      ),
    }[action];
    const what = {
      set: 'Sets the value (export VALUE first)',
      read: 'Prints the value',
      rotate: 'Sets a new random value, without printing it',
    }[action];
    new CfnOutput(this, `${name}SecretCommand`, { value: command, description: `${what}: ${description}` });
  }
}
