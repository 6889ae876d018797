import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import {
  FUNCTION_SIZING,
  SERVICE_OF,
  createMemoryFunction,
  type FunctionKey,
  type MemoryFunctionSettings,
} from '../../../lib/parts/memory-functions';
import { logicalId } from '../cdk-test-app';
import { acknowledgementsOn, partHost } from './part-host';

function functionOf(which: FunctionKey, settings: MemoryFunctionSettings = {}, options = {}) {
  const { stack, scope } = partHost();
  const fn = createMemoryFunction(scope, 'SomeFunction', which, settings, {
    environment: { SOME_SETTING: 'on' },
    ...options,
  });
  const template = Template.fromStack(stack);
  return { fn, template, properties: template.toJSON().Resources[logicalId(fn)].Properties };
}

test.each(Object.keys(FUNCTION_SIZING) as FunctionKey[])(
  '%s: its handler, described and sized for its job',
  (which) => {
    const { fn, properties } = functionOf(which);
    expect(fn.serviceName).toBe(SERVICE_OF[which]);
    expect(properties).toMatchObject({
      Description: FUNCTION_SIZING[which].description,
      MemorySize: FUNCTION_SIZING[which].memorySize,
      Timeout: FUNCTION_SIZING[which].timeout.toSeconds(),
    });
    expect(properties.Environment.Variables).toMatchObject({
      SOME_SETTING: 'on',
      POWERTOOLS_SERVICE_NAME: SERVICE_OF[which],
    });
  },
);

test('the five functions: the four services and the scheduled retention job', () => {
  expect(SERVICE_OF).toEqual({
    clientData: 'client-data',
    retrieve: 'retrieve',
    postCall: 'post-call',
    ingest: 'ingest',
    retention: 'retention',
  });
});

test('defaults: logs kept a week and retained, tracing active (acknowledged for cdk-nag), INFO logs', () => {
  const { fn, template, properties } = functionOf('retrieve');
  expect(template.toJSON().Resources[logicalId(fn.functionLogGroup)]).toMatchObject({
    Properties: { RetentionInDays: 7 },
    DeletionPolicy: 'Retain',
  });
  expect(properties.TracingConfig).toEqual({ Mode: 'Active' });
  expect(properties.Environment.Variables.POWERTOOLS_LOG_LEVEL).toBe('INFO');
  expect(properties.ReservedConcurrentExecutions).toBeUndefined();
  expect(acknowledgementsOn(fn.executionRole)['AwsSolutions-IAM5[Resource::*]']).toMatch(/^X-Ray tracing: /);
});

test('settings from the props: log retention, removal policy, tracing, log level', () => {
  const { fn, template, properties } = functionOf('ingest', {
    logRetention: logs.RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
    tracing: lambda.Tracing.PASS_THROUGH,
    logLevel: 'DEBUG',
  });
  expect(template.toJSON().Resources[logicalId(fn.functionLogGroup)]).toMatchObject({
    Properties: { RetentionInDays: 30 },
    DeletionPolicy: 'Delete',
  });
  expect(properties.TracingConfig).toEqual({ Mode: 'PassThrough' });
  expect(properties.Environment.Variables.POWERTOOLS_LOG_LEVEL).toBe('DEBUG');
  expect(acknowledgementsOn(fn.executionRole)['AwsSolutions-IAM5[Resource::*]']).toBeDefined();
});

test('tracing off: no X-Ray statement, so nothing to acknowledge', () => {
  const { fn, properties } = functionOf('postCall', { tracing: lambda.Tracing.DISABLED });
  expect(properties.TracingConfig).toBeUndefined();
  expect(acknowledgementsOn(fn.executionRole)['AwsSolutions-IAM5[Resource::*]']).toBeUndefined();
});

test('a timeout and reserved concurrency of its own', () => {
  const { properties } = functionOf('ingest', {}, { timeout: Duration.minutes(15), reservedConcurrentExecutions: 3 });
  expect(properties.Timeout).toBe(900);
  expect(properties.ReservedConcurrentExecutions).toBe(3);
});
