import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { build, type Metafile } from 'esbuild';
import type { FunctionServiceName, MemoryBackendName } from '../lib/contract';
import { MEMORY_FUNCTION_RUNTIME, memoryFunctionBundling, packageRoot } from '../lib/memory-function';
import { esbuildOptionsFor } from './esbuild-options';
import { bundlePathOf, entryOf, type BenchFunction } from './functions';
import { bytesPerSource, type SourceMap } from './source-map-bytes';

export interface FunctionBundle {
  /** The function's name in the report (`client-data · agentcore`). */
  name: string;
  service: FunctionServiceName;
  /** The memory backend it is bundled for; none for post-call. */
  backend?: MemoryBackendName;
  /** The bundle's index.js. */
  file: string;
  bytes: number;
  sourceMapBytes: number;
  /** Bytes each package (or `agentic-memory` for our own code) contributes, largest first. */
  packages: Array<{ name: string; bytes: number }>;
  /** Code in the bundle that this function never runs; empty when the bundle is clean. */
  deadCode: string[];
}

type BundledFunction = Pick<BenchFunction, 'service' | 'backend'>;

/** Functions that run a part: these services, and (for a memory client) only when bundled for that backend. */
const runBy =
  (services: readonly FunctionServiceName[], backend?: MemoryBackendName) =>
  (fn: BundledFunction): boolean =>
    services.includes(fn.service) && (backend === undefined || fn.backend === backend);
const MEMORY_USERS: FunctionServiceName[] = ['client-data', 'retrieve', 'ingest', 'retention'];

/**
 * What may be in a bundle, and which functions run it. A bundle holding a part its function does
 * not run ships code it never runs (and pays for it on every cold start). Each memory client
 * comes with its adapter: a function bundled for one backend holds neither of the other's.
 */
export const PARTS: Array<{ what: string; pattern: RegExp; runs: (fn: BundledFunction) => boolean }> = [
  {
    what: 'the Mem0 client (mem0ai, lambdas/shared/memory/mem0-*)',
    pattern: /node_modules\/mem0ai\/|lambdas\/shared\/memory\/mem0-/,
    runs: runBy(MEMORY_USERS, 'mem0'),
  },
  {
    what: 'the AgentCore client (@aws-sdk/client-bedrock-agentcore, lambdas/shared/memory/agentcore-*)',
    pattern: /node_modules\/@aws-sdk\/client-bedrock-agentcore\/|lambdas\/shared\/memory\/agentcore-/,
    runs: runBy(MEMORY_USERS, 'agentcore'),
  },
  {
    what: '@aws-sdk/client-s3',
    pattern: /node_modules\/@aws-sdk\/client-s3\//,
    runs: runBy(['client-data', 'post-call', 'ingest']),
  },
  {
    what: '@aws-sdk/client-dynamodb',
    pattern: /node_modules\/@aws-sdk\/client-dynamodb\//,
    runs: runBy(['ingest']),
  },
  {
    what: 'Powertools idempotency',
    pattern: /node_modules\/@aws-lambda-powertools\/idempotency\//,
    runs: runBy(['ingest']),
  },
  { what: 'Powertools batch', pattern: /node_modules\/@aws-lambda-powertools\/batch\//, runs: runBy(['ingest']) },
  { what: 'axios (mem0ai never sends through it)', pattern: /node_modules\/axios\//, runs: runBy([]) },
  {
    what: 'credential sources other than the environment (a Lambda has its role’s credentials there)',
    pattern:
      /node_modules\/(@aws-sdk\/(nested-clients|credential-provider-[a-z-]+|token-providers)|@smithy\/credential-provider-imds)\//,
    runs: runBy([]),
  },
  {
    what: 'SDK event streams (no function sends or reads one)',
    pattern: /node_modules\/@smithy\/core\/dist-es\/submodules\/event-streams\//,
    runs: runBy([]),
  },
  {
    what: 'the embedded memory store (local stack only)',
    pattern: /lambdas\/shared\/memory\/embedded-store|node_modules\/minisearch\//,
    runs: runBy([]),
  },
  { what: 'lambdas/local (local stack only)', pattern: /lambdas\/local\//, runs: runBy([]) },
];

/** Builds the functions exactly as the construct bundles them; what each holds, from esbuild's metafile. */
export async function buildFunctionBundles(
  outDir: string,
  functions: readonly BenchFunction[],
): Promise<FunctionBundle[]> {
  const bundles: FunctionBundle[] = [];
  for (const fn of functions) {
    const file = path.join(outDir, bundlePathOf(fn));
    const metafile = await bundle(entryOf(fn), file);
    const inputs = Object.entries(outputOf(metafile, file).inputs).map(([input, { bytesInOutput }]) => ({
      input,
      bytes: bytesInOutput,
    }));
    bundles.push(describeBundle(fn, file, inputs));
  }
  return bundles;
}

/**
 * The layout of prebuilt bundles, the package's (`functions/`): `<dir>/<service>/index.js` (Mem0,
 * post-call) and `<dir>/<service>-agentcore/index.js`, each with its source map beside it.
 */
export const prebuiltBundleFile = (dir: string, fn: BundledFunction) => path.join(dir, bundlePathOf(fn));

/**
 * The functions as bundled by someone else (the files the package ships); what each holds,
 * from its source map, which esbuild writes with the path of every input.
 */
export function prebuiltFunctionBundles(dir: string, functions: readonly BenchFunction[]): FunctionBundle[] {
  return functions.map((fn) => {
    const file = path.resolve(prebuiltBundleFile(dir, fn));
    for (const needed of [file, `${file}.map`])
      if (!existsSync(needed)) throw new Error(`no prebuilt bundle for ${fn.name}: ${needed} does not exist`);
    const map = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as SourceMap;
    const inputs = [...bytesPerSource(map, readFileSync(file, 'utf8'))].map(([input, bytes]) => ({ input, bytes }));
    return describeBundle(fn, file, inputs);
  });
}

/** What a bundle of `fn` holds, and which of it the function never runs. */
export function describeBundle(
  fn: Pick<BenchFunction, 'name' | 'service' | 'backend'>,
  file: string,
  inputs: Array<{ input: string; bytes: number }>,
): FunctionBundle {
  const contributing = inputs.filter((i) => i.bytes > 0).map((i) => i.input);
  return {
    name: fn.name,
    service: fn.service,
    ...(fn.backend ? { backend: fn.backend } : {}),
    file,
    bytes: statSync(file).size,
    sourceMapBytes: statSync(`${file}.map`).size,
    packages: packageSizes(inputs),
    deadCode: PARTS.filter((part) => !part.runs(fn) && contributing.some((input) => part.pattern.test(input))).map(
      (part) => part.what,
    ),
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
