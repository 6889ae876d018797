/**
 * The Node 24 run checks itself. Only scripts/test-node24.ts collects this file (its --testMatch
 * adds *.node24.ts), and it names the binary it started jest with in NODE24_BINARY.
 */
import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';

test('the tests of this run execute on Node 24, the Lambda runtime, started from the binary the runner chose', () => {
  expect(process.versions.node).toMatch(/^24\./);
  expect(realpathSync(process.execPath)).toBe(realpathSync(process.env.NODE24_BINARY ?? 'NODE24_BINARY unset'));
});

test('a `node` the tests start by name (npx, the CLI shim, child stacks) is Node 24 too', () => {
  expect(execFileSync('node', ['-p', 'process.versions.node'], { encoding: 'utf8' })).toMatch(/^24\./);
});
