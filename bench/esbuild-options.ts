import type { BuildOptions, LogLevel as EsbuildLogLevel } from 'esbuild';
import { OutputFormat, SourceMapMode, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Runtime } from 'aws-cdk-lib/aws-lambda';

/**
 * The esbuild build options NodejsFunction derives from `bundling` (aws-lambda-nodejs
 * `Bundling.buildEsbuildArgs`), for esbuild's JS API. Only the options the construct uses are
 * mirrored; any other one is refused, so the benchmark can never silently build something
 * other than what is deployed (test/bench checks the output is byte for byte CDK's).
 */
export function esbuildOptionsFor(
  bundling: BundlingOptions,
  runtime: Runtime,
  files: { entry: string; outfile: string; workingDirectory: string },
): BuildOptions {
  const unsupported = Object.keys(bundling).filter((key) => !MIRRORED.has(key));
  if (unsupported.length > 0) {
    throw new Error(
      `the benchmark does not mirror the bundling option(s) ${unsupported.join(', ')}: add them to bench/esbuild-options.ts`,
    );
  }
  if (bundling.externalModules === undefined) {
    throw new Error(
      'the benchmark expects explicit externalModules (the default depends on the runtime and feature flags)',
    );
  }
  return {
    entryPoints: [files.entry],
    outfile: files.outfile,
    absWorkingDir: files.workingDirectory,
    bundle: true,
    target: bundling.target ?? nodeTarget(runtime),
    platform: 'node',
    format: bundling.format === OutputFormat.ESM ? 'esm' : bundling.format === OutputFormat.CJS ? 'cjs' : undefined,
    minify: bundling.minify ?? false,
    sourcemap: sourceMap(bundling),
    sourcesContent: bundling.sourcesContent ?? true,
    external: [...bundling.externalModules],
    mainFields: bundling.mainFields ? [...bundling.mainFields] : undefined,
    alias: aliases(bundling.esbuildArgs),
    logLevel: (bundling.logLevel ?? 'warning') as EsbuildLogLevel,
  };
}

const MIRRORED = new Set([
  'forceDockerBundling',
  'format',
  'minify',
  'sourceMap',
  'sourceMapMode',
  'sourcesContent',
  'externalModules',
  'mainFields',
  'esbuildArgs',
  'logLevel',
  'target',
]);

function nodeTarget(runtime: Runtime): string {
  const match = /nodejs(\d+)/.exec(runtime.name);
  if (!match) throw new Error(`not a Node.js runtime: ${runtime.name}`);
  return `node${match[1]}`;
}

/** CDK passes `--sourcemap` for the default mode and `--sourcemap=<mode>` otherwise. */
function sourceMap(bundling: BundlingOptions): BuildOptions['sourcemap'] {
  const enabled = bundling.sourceMapMode ?? bundling.sourceMap;
  if (!enabled) return false;
  const mode = bundling.sourceMapMode ?? SourceMapMode.DEFAULT;
  return mode === SourceMapMode.DEFAULT ? true : (mode as 'inline' | 'external' | 'both');
}

/** `--alias:name=path` arguments, the only esbuildArgs the construct passes. */
function aliases(args: BundlingOptions['esbuildArgs']): Record<string, string> | undefined {
  if (!args) return undefined;
  const alias: Record<string, string> = {};
  for (const [flag, value] of Object.entries(args)) {
    if (flag !== '--alias') throw new Error(`the benchmark does not mirror the esbuild argument ${flag}`);
    for (const entry of Array.isArray(value) ? value : [String(value)]) {
      const eq = entry.indexOf('=');
      alias[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
  }
  return alias;
}
