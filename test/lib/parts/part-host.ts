import { Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct, IConstruct } from 'constructs';
import type { AgenticMemoryProps } from '../../../lib/agentic-memory-props';
import { AgentCoreMemory } from '../../../lib/parts/agentcore-memory';
import type { MemoryStoreTarget } from '../../../lib/parts/least-privilege';
import type { MemorySecrets } from '../../../lib/parts/memory-secrets';
import { bareStack } from '../cdk-test-app';

/**
 * Where a part is tested: a construct with the id the AgenticMemory construct usually has
 * (`Memory`), so the logical ids of what the part creates are those of a deployed stack.
 */
export function partHost(): { stack: Stack; scope: Construct } {
  const stack = bareStack();
  return { stack, scope: new Construct(stack, 'Memory') };
}

export function templateOf(stack: Stack): Template {
  return Template.fromStack(stack);
}

/** The cdk-nag AwsSolutions findings under `scope` that no acknowledgement covers. */
export function nagViolations(scope: IConstruct): unknown[] {
  return new AwsSolutionsChecks().validateScope(scope).violations;
}

/** The rules acknowledged on one construct (not below it), each with its reason. */
export function acknowledgementsOn(construct: IConstruct): Record<string, string> {
  return Object.fromEntries(
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      .map(([id, reason]) => [id.replace(/^Annotation::/, ''), reason]),
  );
}

/**
 * Where the functions keep memories for these props, as the AgenticMemory construct decides it:
 * the AgentCore memory (created in `scope`) or Mem0 behind the secrets' API key.
 */
export function memoryStoreOf(
  scope: Construct,
  props: AgenticMemoryProps,
  secrets: MemorySecrets,
): { store: MemoryStoreTarget; agentCore?: AgentCoreMemory } {
  if (props.memory?.agentCore) {
    const agentCore = new AgentCoreMemory(scope, { ...props, options: props.memory.agentCore });
    return { store: { backend: 'agentcore', memory: agentCore }, agentCore };
  }
  return { store: { backend: 'mem0', apiKey: secrets.mem0ApiKey! } };
}
