import { Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * cdk-nag acknowledgements, written with aws-cdk-lib's own `Validations` API so that the
 * construct does not depend on cdk-nag: an app that runs the AwsSolutions pack sees these
 * findings acknowledged, each with its reason.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * Acknowledges the AwsSolutions-IAM5 finding for one wildcard resource (an S3 key prefix, say).
 * cdk-nag names such a finding after the resource with CloudFormation references flattened
 * (`Resource::<ArchiveBucket1234.Arn>/client-data/*`); resolving the ARN here gives the same
 * name, whichever bucket (created or imported) it is.
 */
export function acknowledgeWildcardResource(scope: IConstruct, resource: string, reason: string): void {
  const flattened = flattenCfnReference(Stack.of(scope).resolve(resource));
  acknowledge(scope, `AwsSolutions-IAM5[Resource::${flattened}]`, reason);
}

/** The flattening cdk-nag applies to CloudFormation references in finding names. */
function flattenCfnReference(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const value = node as Record<string, unknown>;
    if (Array.isArray(value['Fn::Join'])) {
      const [delimiter, items] = value['Fn::Join'] as [string, unknown[]];
      return items.map(flattenCfnReference).join(delimiter);
    }
    if (value['Fn::Sub'] !== undefined) return flattenCfnReference(value['Fn::Sub']);
    if (Array.isArray(value['Fn::GetAtt'])) {
      const [resource, attribute] = value['Fn::GetAtt'] as [unknown, unknown];
      return `<${flattenCfnReference(resource)}.${flattenCfnReference(attribute)}>`;
    }
    if (value['Fn::ImportValue'] !== undefined) return flattenCfnReference(value['Fn::ImportValue']);
    if (value.Ref !== undefined) return `<${flattenCfnReference(value.Ref)}>`;
  }
  return JSON.stringify(node);
}
