#!/usr/bin/env node
import { App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AgenticMemoryStack } from '../lib';

/**
 * The CDK app (`npx cdk synth`, `npx cdk deploy`). Optional context:
 *   -c stackName=AgenticMemory   -c alarmEmail=ops@example.com
 *   -c mem0Host=https://api.mem0.ai   -c removalPolicy=destroy (dev stacks: delete data with the stack)
 */
const app = new App();
const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
};

new AgenticMemoryStack(app, context('stackName') ?? 'AgenticMemory', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  alarmEmail: context('alarmEmail'),
  memory: {
    mem0Host: context('mem0Host'),
    removalPolicy: context('removalPolicy') === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
  },
});

// AWS Solutions rules on every resource; synth fails on any unacknowledged finding.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
