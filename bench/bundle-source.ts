import * as path from 'node:path';
import { buildFunctionBundles, prebuiltFunctionBundles, type FunctionBundle } from './bundles';
import type { BenchFunction } from './functions';

/**
 * Where the benchmark takes the functions it measures from — the one place that decides it.
 * `source`: built here from the TypeScript with the construct's own esbuild options (what
 * `cdk deploy` from this repository ships). `prebuilt`: the files in a folder laid out as
 * `<dir>/<service>/index.js`, and `<dir>/<service>-agentcore/index.js` for the AgentCore
 * bundles, with `index.js.map` beside each (`npm run bench -- --bundles <dir>`): the layout of the
 * bundles the package ships (`npm run build:functions` writes them to functions/).
 */
export type BundleSource = { kind: 'source' } | { kind: 'prebuilt'; dir: string };

export function bundleSourceFrom(bundlesDir: string | undefined): BundleSource {
  return bundlesDir === undefined || bundlesDir === ''
    ? { kind: 'source' }
    : { kind: 'prebuilt', dir: path.resolve(bundlesDir) };
}

export function describeBundleSource(source: BundleSource): string {
  return source.kind === 'source'
    ? 'built from source with the construct’s esbuild options'
    : `prebuilt, from ${path.join(source.dir, '<service>', 'index.js')} and ${path.join(source.dir, '<service>-agentcore', 'index.js')}`;
}

/** The functions' bundles; `workDir` receives the ones built from source. */
export async function functionBundles(
  source: BundleSource,
  workDir: string,
  functions: readonly BenchFunction[],
): Promise<FunctionBundle[]> {
  return source.kind === 'source'
    ? buildFunctionBundles(path.join(workDir, 'functions'), functions)
    : prebuiltFunctionBundles(source.dir, functions);
}
