import { Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';

/** Lambda refuses a function whose environment variables take more than 4 KB in all. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/**
 * What a value known only at deploy time (a secret ARN, a bucket or table name) is counted as:
 * more than CloudFormation's generated names take in practice, so that a template that passes
 * this check does not fail the deploy.
 */
export const DEPLOY_TIME_VALUE_BYTES = 256;

/** Partition, region, account id, URL suffix: short by definition. */
const PSEUDO_PARAMETER_BYTES = 32;

/**
 * Bytes the function's environment variables take, counted from its template as the JSON of
 * the variables (names, values, quotes and separators); each value known only at deploy time
 * counted at its longest plausible length.
 */
export function environmentBytes(fn: lambda.Function): number {
  const cfn = fn.node.defaultChild as lambda.CfnFunction;
  const resolved = Stack.of(fn).resolve(cfn.environment) as { variables?: Record<string, unknown> } | undefined;
  const variables = Object.entries(resolved?.variables ?? {});
  if (variables.length === 0) return 0;
  // {"NAME":"value","NAME":"value"}: braces, commas between variables, a colon in each.
  const braceAndCommas = 2 + variables.length - 1;
  return variables.reduce(
    (total, [name, value]) => total + jsonStringBytes(name) + 1 + valueBytes(value),
    braceAndCommas,
  );
}

/**
 * Refuses, at synth, an environment Lambda would refuse at deploy, naming the props that put
 * the most text into it.
 */
export function requireEnvironmentWithinLimit(
  fn: lambda.Function & { serviceName: string },
  textProps: Readonly<Record<string, number>>,
): void {
  const bytes = environmentBytes(fn);
  if (bytes <= LAMBDA_ENVIRONMENT_LIMIT_BYTES) return;
  const largest = Object.entries(textProps)
    .filter(([, size]) => size > 0)
    .sort(([, a], [, b]) => b - a)
    .map(([prop, size]) => `${prop} ${size} bytes`);
  throw new Error(
    `AgenticMemory: the ${fn.serviceName} function's environment would take about ${bytes} bytes, over Lambda's ${LAMBDA_ENVIRONMENT_LIMIT_BYTES}-byte limit` +
      (largest.length > 0 ? ` (${largest.join(', ')})` : '') +
      '; shorten the largest of these.',
  );
}

function valueBytes(value: unknown): number {
  if (typeof value === 'string') return jsonStringBytes(value);
  // A value with deploy-time parts is one JSON string once deployed: its quotes, then its parts.
  return 2 + deployTimeBytes(value);
}

function deployTimeBytes(value: unknown): number {
  if (typeof value === 'string') return jsonStringBytes(value) - 2;
  if (value !== null && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    if (Array.isArray(node['Fn::Join'])) {
      const [delimiter, parts] = node['Fn::Join'] as [string, unknown[]];
      const joints = Math.max(parts.length - 1, 0) * (jsonStringBytes(delimiter) - 2);
      return parts.reduce<number>((total, part) => total + deployTimeBytes(part), joints);
    }
    if (typeof node.Ref === 'string' && node.Ref.startsWith('AWS::')) return PSEUDO_PARAMETER_BYTES;
  }
  return DEPLOY_TIME_VALUE_BYTES;
}

/** A string's bytes as a JSON string: UTF-8, with its quotes and escapes. */
function jsonStringBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8');
}
