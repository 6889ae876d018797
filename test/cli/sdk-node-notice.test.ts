/**
 * On Node < 22 the AWS SDK warns that its versions published after the first week of January 2027
 * will need Node 22. The admin CLI's own Node range is package.json `engines` (held against every
 * locked package by test/node-versions/engines.test.ts), so to an operator inside that range the
 * notice is noise: the CLI turns it off, unless AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED
 * says otherwise. On Node 22 and later (the Node 24 run) the SDK has nothing to say either way.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

const REPO_ROOT = path.join(__dirname, '..', '..');
const NOTICE = 'NodeVersionSupportWarning';
const SDK_WARNS_ON_THIS_NODE = Number(process.versions.node.split('.')[0]) < 22;

/** A loopback port nothing listens on: the CLI's first AWS call is refused at once. */
async function refusingPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `npx agentic-memory status` against that port, as an operator runs it (the npm variables left out). */
function statusCommand(port: number, extra: Record<string, string> = {}) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.toLowerCase().startsWith('npm_') && name !== 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
    ),
  );
  return spawnSync(
    'npx',
    ['--no-install', 'agentic-memory', 'status', '--stack', 'NoticeCheck', '--region', 'us-east-1'],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        ...env,
        AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
        AWS_ACCESS_KEY_ID: 'notice-check',
        AWS_SECRET_ACCESS_KEY: 'notice-check',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_MAX_ATTEMPTS: '1',
        ...extra,
      },
    },
  );
}

test('the admin CLI does not print the AWS SDK notice about the Node versions it will drop', async () => {
  const run = statusCommand(await refusingPort());
  expect(run.stderr).toContain('ECONNREFUSED');
  expect(run.stderr).not.toContain(NOTICE);
  expect(run.status).toBe(1);
});

test(`an operator who asks for the notice gets it where the SDK gives it (this Node: ${SDK_WARNS_ON_THIS_NODE ? 'yes' : 'no'})`, async () => {
  const run = statusCommand(await refusingPort(), { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' });
  expect(run.stderr).toContain('ECONNREFUSED');
  expect(run.stderr.includes(NOTICE)).toBe(SDK_WARNS_ON_THIS_NODE);
});
