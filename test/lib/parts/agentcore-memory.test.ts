import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { AgentCoreBackendOptions } from '../../../lib/agentic-memory-props';
import { AgentCoreMemory, type AgentCoreMemoryProps } from '../../../lib/parts/agentcore-memory';
import { bareStack, flatten, logicalId } from '../cdk-test-app';
import { nagViolations, partHost } from './part-host';

function memoryOf(options: AgentCoreBackendOptions = {}, props: Omit<AgentCoreMemoryProps, 'options'> = {}) {
  const { stack, scope } = partHost();
  const memory = new AgentCoreMemory(scope, { ...props, options });
  const template = Template.fromStack(stack);
  const resource = memory.resource ? template.toJSON().Resources[logicalId(memory.resource)] : undefined;
  return { stack, scope, memory, template, resource };
}

/** The strategies as AgentCore extracts into them: what the adapter lists and searches. */
const FACTS = {
  SemanticMemoryStrategy: {
    Name: 'AgenticMemoryFacts',
    Description: 'Facts callers state, per caller memory identity',
    NamespaceTemplates: ['/agentic-memory/actors/{actorId}/semantic/facts/'],
  },
};
const PREFERENCES = {
  UserPreferenceMemoryStrategy: {
    Name: 'AgenticMemoryPreferences',
    Description: 'Preferences callers express, per caller memory identity',
    NamespaceTemplates: ['/agentic-memory/actors/{actorId}/semantic/preferences/'],
  },
};
const SUMMARIES = {
  SummaryMemoryStrategy: {
    Name: 'AgenticMemorySummaries',
    Description: 'A summary of each call, per caller memory identity and conversation',
    NamespaceTemplates: ['/agentic-memory/actors/{actorId}/factual/{sessionId}/'],
  },
};

describe('defaults', () => {
  const { scope, memory, template, resource } = memoryOf();

  test('one AWS::BedrockAgentCore::Memory in the owner’s scope, its id and ARN from the resource', () => {
    template.resourceCountIs('AWS::BedrockAgentCore::Memory', 1);
    expect(memory.resource!.node.path).toBe('Test/Memory/AgentCoreMemory');
    expect(flatten(Stack.of(scope).resolve(memory.memoryId))).toBe(`<${logicalId(memory.resource!)}.MemoryId>`);
    expect(flatten(Stack.of(scope).resolve(memory.memoryArn))).toBe(`<${logicalId(memory.resource!)}.MemoryArn>`);
  });

  test('the three strategies, each writing into the namespaces the adapter reads', () => {
    expect(resource.Properties.MemoryStrategies).toEqual([FACTS, PREFERENCES, SUMMARIES]);
  });

  test('transcripts kept 90 days as events; AgentCore’s own key; records never expire by themselves', () => {
    expect(resource.Properties.EventExpiryDuration).toBe(90);
    expect(resource.Properties.EncryptionKeyArn).toBeUndefined();
    expect(JSON.stringify(resource.Properties)).not.toContain('RecordExpiry');
  });

  test('retained when it leaves the stack, like the archive', () => {
    expect(resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('a name CreateMemory accepts, and a description', () => {
    expect(resource.Properties.Name).toMatch(/^[a-zA-Z][a-zA-Z0-9_]{0,47}$/);
    expect(resource.Properties.Description).toMatch(/^AgenticMemory: /);
  });

  test('no cdk-nag finding', () => {
    expect(nagViolations(scope)).toEqual([]);
  });
});

test('names are unique per construct (account-wide in AgentCore) and stay within 48 characters', () => {
  const stack = bareStack();
  const memories = [
    new AgentCoreMemory(new Construct(stack, 'Memory'), { options: {} }),
    new AgentCoreMemory(new Construct(stack, 'SecondMemory'), { options: {} }),
    new AgentCoreMemory(new Construct(new Construct(stack, 'A'.repeat(60)), 'Memory'), { options: {} }),
  ];
  const resources = Template.fromStack(stack).toJSON().Resources;
  const names = memories.map((memory) => resources[logicalId(memory.resource!)].Properties.Name as string);
  expect(new Set(names).size).toBe(3);
  for (const name of names) expect(name).toMatch(/^[a-zA-Z][a-zA-Z0-9_]{0,47}$/);
});

test.each([
  [['SEMANTIC'], [FACTS]],
  [
    ['SUMMARIZATION', 'USER_PREFERENCE'],
    [PREFERENCES, SUMMARIES],
  ],
] as const)('strategies %j: only those, with the same namespaces', (strategies, expected) => {
  expect(memoryOf({ strategies }).resource.Properties.MemoryStrategies).toEqual(expected);
});

test('no strategies: no LLM extraction (short-term events and the records ingest writes)', () => {
  expect(memoryOf({ strategies: [] }).resource.Properties.MemoryStrategies).toBeUndefined();
});

test('eventExpiry in whole days', () => {
  expect(memoryOf({ eventExpiry: Duration.days(30) }).resource.Properties.EventExpiryDuration).toBe(30);
  expect(memoryOf({ eventExpiry: Duration.days(365) }).resource.Properties.EventExpiryDuration).toBe(365);
});

test('the customer’s key encrypts the memory', () => {
  const { stack, scope } = partHost();
  const key = new kms.Key(stack, 'MemoryKey', { enableKeyRotation: true });
  const memory = new AgentCoreMemory(scope, { options: { encryptionKey: key } });
  expect(Template.fromStack(stack).toJSON().Resources[logicalId(memory.resource!)].Properties.EncryptionKeyArn).toEqual(
    {
      'Fn::GetAtt': [logicalId(key), 'Arn'],
    },
  );
  expect(memory.encryptionKey).toBe(key);
});

test('memoryMaxAge of 31 days or more: each strategy expires what it extracts at that age', () => {
  const { resource } = memoryOf({}, { memoryMaxAge: Duration.days(180) });
  const strategies = resource.Properties.MemoryStrategies as Record<string, Record<string, unknown>>[];
  expect(strategies).toHaveLength(3);
  for (const strategy of strategies) {
    expect(Object.values(strategy)[0].RecordExpirySpecification).toEqual({ RecordExpiryDurationDays: 180 });
  }
  // Below AgentCore's 31-day minimum the retention job alone erases them.
  expect(JSON.stringify(memoryOf({}, { memoryMaxAge: Duration.days(30) }).resource)).not.toContain('RecordExpiry');
});

test('removalPolicy DESTROY deletes it with the stack', () => {
  expect(memoryOf({}, { removalPolicy: RemovalPolicy.DESTROY }).resource).toMatchObject({
    DeletionPolicy: 'Delete',
  });
});

test('an existing memory: nothing created, its id as given and its ARN in the stack’s account and region', () => {
  const { stack, scope } = partHost();
  const memory = new AgentCoreMemory(scope, { options: { existingMemoryId: 'Kept_Memory-a1b2c3d4e5' } });
  expect(scope.node.children).toEqual([]);
  expect(memory.resource).toBeUndefined();
  expect(memory.memoryId).toBe('Kept_Memory-a1b2c3d4e5');
  expect(flatten(stack.resolve(memory.memoryArn))).toBe(
    'arn:<AWS::Partition>:bedrock-agentcore:<AWS::Region>:<AWS::AccountId>:memory/Kept_Memory-a1b2c3d4e5',
  );
});
