import { Aws, Fn, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  DEPLOY_TIME_VALUE_BYTES,
  LAMBDA_ENVIRONMENT_LIMIT_BYTES,
  environmentBytes,
  requireEnvironmentWithinLimit,
} from '../../lib/environment-size';
import { bareStack } from './cdk-test-app';

function fnWith(environment: Record<string, string>, setup?: (stack: Stack) => Record<string, string>) {
  const stack = bareStack();
  const fn = new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    environment: { ...environment, ...setup?.(stack) },
  });
  return Object.assign(fn, { serviceName: 'retrieve' });
}

describe('environmentBytes', () => {
  test('literal variables: the bytes of their JSON, non-ASCII counted in UTF-8', () => {
    const variables = { GREETING: 'Grüß Gott — welcome', LIMIT: '10', EMPTY: '' };
    expect(environmentBytes(fnWith(variables))).toBe(Buffer.byteLength(JSON.stringify(variables), 'utf8'));
  });

  test('characters JSON escapes count as escaped', () => {
    const variables = { TEMPLATE: 'line one\nsaid "hi"\\' };
    expect(environmentBytes(fnWith(variables))).toBe(JSON.stringify(variables).length);
  });

  test('no variables: nothing', () => {
    expect(environmentBytes(fnWith({}))).toBe(0);
  });

  test('a value known only at deploy time counts as the longest plausible name', () => {
    const bytes = environmentBytes(fnWith({}, (stack) => ({ BUCKET: new s3.Bucket(stack, 'B').bucketName })));
    expect(bytes).toBe(JSON.stringify({ BUCKET: '' }).length + DEPLOY_TIME_VALUE_BYTES);
  });

  test('a joined value: its literal parts, plus short pseudo parameters and long references', () => {
    const bytes = environmentBytes(
      fnWith({}, (stack) => ({
        ARN: Fn.join('', ['arn:', Aws.PARTITION, ':s3:::', new s3.Bucket(stack, 'B').bucketName]),
      })),
    );
    expect(bytes).toBe(JSON.stringify({ ARN: 'arn::s3:::' }).length + 32 + DEPLOY_TIME_VALUE_BYTES);
  });
});

describe('requireEnvironmentWithinLimit', () => {
  /** Variables taking exactly `bytes` as JSON. */
  const taking = (bytes: number) => ({ V: 'x'.repeat(bytes - JSON.stringify({ V: '' }).length) });

  test('up to the limit: accepted', () => {
    const fn = fnWith(taking(LAMBDA_ENVIRONMENT_LIMIT_BYTES));
    expect(environmentBytes(fn)).toBe(LAMBDA_ENVIRONMENT_LIMIT_BYTES);
    expect(() => requireEnvironmentWithinLimit(fn, {})).not.toThrow();
  });

  test('one byte over: refused, naming the function and the props that put text in it, largest first', () => {
    const fn = fnWith(taking(LAMBDA_ENVIRONMENT_LIMIT_BYTES + 1));
    expect(() =>
      requireEnvironmentWithinLimit(fn, { memoryScopeMap: 900, basePromptTemplate: 3000, newCallerGreeting: 0 }),
    ).toThrow(
      "AgenticMemory: the retrieve function's environment would take about 4097 bytes, over Lambda's 4096-byte limit (basePromptTemplate 3000 bytes, memoryScopeMap 900 bytes); shorten the largest of these.",
    );
  });
});
