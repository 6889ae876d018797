import * as path from 'node:path';
import { buildFunctionBundles, prebuiltBundleFile, prebuiltFunctionBundles, type FunctionBundle } from './bundles';

/**
 * Where the benchmark takes the functions it measures from — the one place that decides it.
 * `source`: built here from the TypeScript with the construct's own esbuild options (what
 * `cdk deploy` from this repository ships). `prebuilt`: the files in a folder laid out as
 * `<dir>/<service>/index.js` with `index.js.map` beside it (`npm run bench -- --bundles <dir>`),
 * such as the bundles a package ships.
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
    : `prebuilt, from ${prebuiltBundleFile(source.dir, '<service>')}`;
}

/** The four functions' bundles; `workDir` receives the ones built from source. */
export async function functionBundles(source: BundleSource, workDir: string): Promise<FunctionBundle[]> {
  return source.kind === 'source'
    ? buildFunctionBundles(path.join(workDir, 'functions'))
    : prebuiltFunctionBundles(source.dir);
}
