/**
 * `npm run build:cli` (part of `npm run build`, which `npm pack` runs): the admin CLI
 * (`npx agentic-memory`, bin/admin-cli.ts) as one file, dist/cli/admin-cli.js, with every package
 * it runs bundled in (commander, the AWS SDK clients, mem0ai, the ElevenLabs SDK, …): the installed
 * package depends on none of them.
 */
import * as path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { BUNDLED_INSTEAD, packageRoot } from '../lib/memory-function';

/** Where the bundle is written; bin/agentic-memory-cli.js runs it in the installed package. */
export const CLI_BUNDLE = path.join('dist', 'cli', 'admin-cli.js');

/**
 * The local stack (s3rver, the embedded memory store, …) is not shipped: `--local` loads it with
 * `require('../local/local-deployment')`, which the bundle leaves as it is. In the installed
 * package that require fails (MODULE_NOT_FOUND) and the CLI says `--local` needs a checkout.
 */
const localStackLeftOut: Plugin = {
  name: 'local-stack-left-out',
  setup(esbuild) {
    esbuild.onResolve({ filter: /\/local\/local-deployment$/ }, (args) => ({ path: args.path, external: true }));
  },
};

export async function buildCli(): Promise<string> {
  const root = packageRoot();
  const outfile = path.join(root, CLI_BUNDLE);
  await build({
    entryPoints: [path.join(root, 'bin', 'admin-cli.ts')],
    outfile,
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    // package.json engines: the CLI runs on the Node of the operator's machine.
    target: 'node20',
    format: 'cjs',
    minify: true,
    // As the functions are built: the SDK's ES modules keep only the commands the CLI sends.
    mainFields: ['module', 'main'],
    // mem0ai's axios, which it never calls (lambdas/shared/memory/mem0-axios-shim.ts). The CLI
    // keeps the SDK's full credential chain (profiles, SSO): an operator's machine is no Lambda.
    alias: { axios: path.join(root, BUNDLED_INSTEAD.axios) },
    plugins: [localStackLeftOut],
    logLevel: 'warning',
  });
  return outfile;
}

if (require.main === module) {
  buildCli().then(
    (file) => console.log(`bundled the admin CLI: ${path.relative(packageRoot(), file)}`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
