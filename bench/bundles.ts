import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { SERVICE, type ServiceName } from '../lib/contract';
import { MEMORY_FUNCTION_RUNTIME, handlerEntry, memoryFunctionBundling, packageRoot } from '../lib/memory-function';
import { esbuildOptionsFor } from './esbuild-options';
import { bytesPerSource, type SourceMap } from './source-map-bytes';

export const SERVICES: ServiceName[] = Object.values(SERVICE);

export interface FunctionBundle {
  service: ServiceName;
  /** The bundle's index.js. */
  file: string;
  bytes: number;
  sourceMapBytes: number;
  /** Bytes each package (or `agentic-memory` for our own code) contributes, largest first. */
  packages: Array<{ name: string; bytes: number }>;
  /** Code in the bundle that this function never runs; empty when the bundle is clean. */
  deadCode: string[];
}

/**
 * What may be in a bundle, and which functions run it. A bundle holding a part its function does
 * not run ships code it never runs (and pays for it on every cold start).
 */
const PARTS: Array<{ what: string; pattern: RegExp; runBy: readonly ServiceName[] }> = [
  { what: 'mem0ai', pattern: /node_modules\/mem0ai\//, runBy: ['client-data', 'retrieve', 'ingest'] },
  {
    what: '@aws-sdk/client-s3',
    pattern: /node_modules\/@aws-sdk\/client-s3\//,
    runBy: ['client-data', 'post-call', 'ingest'],
  },
  { what: '@aws-sdk/client-dynamodb', pattern: /node_modules\/@aws-sdk\/client-dynamodb\//, runBy: ['ingest'] },
  { what: 'Powertools idempotency', pattern: /node_modules\/@aws-lambda-powertools\/idempotency\//, runBy: ['ingest'] },
  { what: 'Powertools batch', pattern: /node_modules\/@aws-lambda-powertools\/batch\//, runBy: ['ingest'] },
  { what: 'axios (mem0ai never sends through it)', pattern: /node_modules\/axios\//, runBy: [] },
  {
    what: 'credential sources other than the environment (a Lambda has its role’s credentials there)',
    pattern:
      /node_modules\/(@aws-sdk\/(nested-clients|credential-provider-[a-z-]+|token-providers)|@smithy\/credential-provider-imds)\//,
    runBy: [],
  },
  {
    what: 'SDK event streams (no function sends or reads one)',
    pattern: /node_modules\/@smithy\/core\/dist-es\/submodules\/event-streams\//,
    runBy: [],
  },
  {
    what: 'the embedded memory store (local stack only)',
    pattern: /lambdas\/shared\/memory\/embedded-store|node_modules\/minisearch\//,
    runBy: [],
  },
  { what: 'lambdas/local (local stack only)', pattern: /lambdas\/local\//, runBy: [] },
];

/** Builds the four functions exactly as the construct bundles them; what each holds, from esbuild's metafile. */
export async function buildFunctionBundles(outDir: string): Promise<FunctionBundle[]> {
  const bundles: FunctionBundle[] = [];
  for (const service of SERVICES) {
    const file = path.join(outDir, service, 'index.js');
    const metafile = await bundle(handlerEntry(service), file);
    const inputs = Object.entries(outputOf(metafile, file).inputs).map(([input, { bytesInOutput }]) => ({
      input,
      bytes: bytesInOutput,
    }));
    bundles.push(describeBundle(service, file, inputs));
  }
  return bundles;
}

/** The layout of prebuilt bundles: `<dir>/<service>/index.js`, its source map beside it. */
export const prebuiltBundleFile = (dir: string, service: string) => path.join(dir, service, 'index.js');

/**
 * The four functions as bundled by someone else (the files the package ships); what each holds,
 * from its source map, which esbuild writes with the path of every input.
 */
export function prebuiltFunctionBundles(dir: string): FunctionBundle[] {
  return SERVICES.map((service) => {
    const file = path.resolve(prebuiltBundleFile(dir, service));
    for (const needed of [file, `${file}.map`])
      if (!existsSync(needed)) throw new Error(`no prebuilt bundle for ${service}: ${needed} does not exist`);
    const map = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as SourceMap;
    const inputs = [...bytesPerSource(map, readFileSync(file, 'utf8'))].map(([input, bytes]) => ({ input, bytes }));
    return describeBundle(service, file, inputs);
  });
}

function describeBundle(
  service: ServiceName,
  file: string,
  inputs: Array<{ input: string; bytes: number }>,
): FunctionBundle {
  const contributing = inputs.filter((i) => i.bytes > 0).map((i) => i.input);
  return {
    service,
    file,
    bytes: statSync(file).size,
    sourceMapBytes: statSync(`${file}.map`).size,
    packages: packageSizes(inputs),
    deadCode: PARTS.filter(
      (part) => !part.runBy.includes(service) && contributing.some((input) => part.pattern.test(input)),
    ).map((part) => part.what),
  };
}

/** Any other entry (the benchmark's worker) with the same options: the same client code as the handlers. */
export async function bundle(entry: string, outfile: string): Promise<Metafile> {
  const options = esbuildOptionsFor(memoryFunctionBundling(), MEMORY_FUNCTION_RUNTIME, {
    entry,
    outfile,
    workingDirectory: packageRoot(),
  });
  const result = await build({ ...options, metafile: true });
  return result.metafile;
}

function outputOf(metafile: Metafile, file: string): Metafile['outputs'][string] {
  const output = Object.entries(metafile.outputs).find(([name]) => path.resolve(packageRoot(), name) === file);
  if (!output) throw new Error(`esbuild's metafile has no output ${file}`);
  return output[1];
}

function packageSizes(inputs: Array<{ input: string; bytes: number }>): Array<{ name: string; bytes: number }> {
  const sizes = new Map<string, number>();
  for (const { input, bytes } of inputs.filter((i) => i.bytes > 0)) {
    const packages = [...input.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)];
    const name = packages.length > 0 ? packages[packages.length - 1][1] : 'agentic-memory';
    sizes.set(name, (sizes.get(name) ?? 0) + bytes);
  }
  return [...sizes].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}
