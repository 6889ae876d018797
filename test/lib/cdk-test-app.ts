import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';

export const REPO_ROOT = path.join(__dirname, '..', '..');

/** The context `npx cdk synth` runs with (cdk.json: the recommended feature flags). */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

export interface TestAppOptions {
  /**
   * Bundle the functions with esbuild (a few seconds per function). Off, CDK skips bundling and
   * the template is the same but for the asset hashes.
   */
  readonly bundle?: boolean;
  /** Cloud assembly folder. */
  readonly outdir?: string;
}

/** An app with the same feature flags as cdk.json. */
export function testApp(options: TestAppOptions = {}): App {
  return new App({
    outdir: options.outdir,
    context: { ...cdkJsonContext(), ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
}

/** A stack to put one construct in. */
export function bareStack(options: TestAppOptions = {}): Stack {
  return new Stack(testApp(options), 'Test');
}

export function temporaryDirectory(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}

/** The logical id of a construct's CloudFormation resource. */
export function logicalId(construct: IConstruct): string {
  const stack = Stack.of(construct);
  const child = construct.node.defaultChild ?? construct;
  return stack.resolve((child as unknown as { logicalId: string }).logicalId) as string;
}

const ASSET_HASH = /[0-9a-f]{64}/g;

/** Replaces asset hashes (they change with every handler edit) so a snapshot stays stable. */
export function withoutAssetHashes<T>(value: T): T {
  return JSON.parse(JSON.stringify(value).replace(ASSET_HASH, '<asset-hash>')) as T;
}

/**
 * CloudFormation references as short strings, as cdk-nag writes them:
 * `{"Fn::GetAtt":["Bucket","Arn"]}` -> `<Bucket.Arn>`, `{"Ref":"Secret"}` -> `<Secret>`.
 */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(flatten).join(',');
  if (value && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    if (node.Ref !== undefined) return `<${String(node.Ref)}>`;
    if (Array.isArray(node['Fn::GetAtt'])) return `<${(node['Fn::GetAtt'] as string[]).join('.')}>`;
    if (Array.isArray(node['Fn::Join'])) {
      const [delimiter, parts] = node['Fn::Join'] as [string, unknown[]];
      return parts.map(flatten).join(delimiter);
    }
  }
  return JSON.stringify(value);
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/**
 * Every permission a role's policies allow, one `action on resource` string each, e.g.
 * `s3:PutObject on <ArchiveBucket.Arn>/client-data/*`.
 */
export function permissionsOf(template: Template, roleLogicalId: string): string[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const permissions: string[] = [];
  for (const policy of Object.values(policies)) {
    const roles = (policy.Properties.Roles as unknown[]).map(flatten);
    if (!roles.includes(`<${roleLogicalId}>`)) continue;
    for (const statement of policy.Properties.PolicyDocument.Statement as Statement[]) {
      if (statement.Effect !== 'Allow') continue;
      const actions = ([] as string[]).concat(statement.Action);
      const resources = ([] as unknown[]).concat(statement.Resource);
      for (const action of actions)
        for (const resource of resources) permissions.push(`${action} on ${flatten(resource)}`);
    }
  }
  return permissions.sort();
}
