import * as path from 'node:path';
import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ts from 'typescript';
import { logRetentionOf, removalPolicyOf, retrieveAuthOf } from '../../lib/agentic-memory-props';
import { REPO_ROOT } from './cdk-test-app';

/** Every interface of the props file, with each member's documentation and `@default`. */
function documentedMembers(): { owner: string; name: string; text: string; defaultTag?: string }[] {
  const file = path.join(REPO_ROOT, 'lib', 'agentic-memory-props.ts');
  const program = ts.createProgram([file], { strict: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const members: { owner: string; name: string; text: string; defaultTag?: string }[] = [];
  ts.forEachChild(program.getSourceFile(file)!, (node) => {
    if (!ts.isInterfaceDeclaration(node)) return;
    for (const member of node.members) {
      const symbol = checker.getSymbolAtLocation(member.name!)!;
      members.push({
        owner: node.name.text,
        name: symbol.name,
        text: ts.displayPartsToString(symbol.getDocumentationComment(checker)),
        defaultTag: symbol
          .getJsDocTags(checker)
          .filter((tag) => tag.name === 'default')
          .map((tag) => ts.displayPartsToString(tag.text))[0],
      });
    }
  });
  return members;
}

test('every prop says what it is for and what happens without it (@default)', () => {
  const members = documentedMembers();
  expect(members.filter((m) => m.owner === 'AgenticMemoryProps').length).toBeGreaterThanOrEqual(50);
  expect(
    members
      .filter((member) => member.text.trim().length < 10 || !member.defaultTag?.trim())
      .map((member) => `${member.owner}.${member.name}`),
  ).toEqual([]);
});

test('the defaults every part applies: retained, a week of logs, token or key', () => {
  expect(removalPolicyOf({})).toBe(RemovalPolicy.RETAIN);
  expect(removalPolicyOf({ removalPolicy: RemovalPolicy.DESTROY })).toBe(RemovalPolicy.DESTROY);
  expect(logRetentionOf({})).toBe(logs.RetentionDays.ONE_WEEK);
  expect(logRetentionOf({ logRetention: logs.RetentionDays.ONE_YEAR })).toBe(logs.RetentionDays.ONE_YEAR);
  expect(retrieveAuthOf({})).toBe('token-or-key');
  expect(retrieveAuthOf({ retrieveAuth: 'token' })).toBe('token');
});
