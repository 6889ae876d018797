#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AgenticMemoryStack } from '../lib';
import { stackFromContext } from '../lib/stack-context';

/**
 * The CDK app (`npx cdk synth`, `npx cdk deploy`). Optional context, each value checked:
 *   -c stackName=AgenticMemory   -c alarmEmail=ops@example.com
 *   -c memoryBackend=mem0|agentcore   -c agentCoreMemoryId=<id of an existing AgentCore memory>
 *   -c mem0Host=https://api.mem0.ai   -c removalPolicy=destroy (dev stacks: delete data with the stack)
 *   -c retrieveAuth=token|token-or-key|key   -c memoryTokenTtlMinutes=120
 *   -c memoryScope=deployment|agent   -c memoryScopeMap='{"clinic-a":["agent_1","agent_2"]}'
 */
const app = new App();
const { stackName, props } = stackFromContext(app);

new AgenticMemoryStack(app, stackName, {
  ...props,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

// AWS Solutions rules on every resource; synth fails on any unacknowledged finding.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
