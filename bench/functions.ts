import * as path from 'node:path';
import { MEMORY_BACKENDS, SERVICE, type FunctionServiceName, type MemoryBackendName } from '../lib/contract';
import { PREBUILT_FUNCTIONS_DIR, handlerEntry, packageRoot, prebuiltBundleDir } from '../lib/memory-function';

/**
 * What the bench measures: each function as bundled for each memory backend. The functions that
 * use a memory store have one entry per backend (`lambdas/<service>/index.ts` for Mem0,
 * `index-agentcore.ts` for AgentCore: no bundle carries both clients); post-call uses none and
 * has one bundle, measured once whatever the backends. Retention runs on a schedule, not on a
 * caller's line: its bundles are checked for dead code, not timed.
 */
export interface BenchFunction {
  /** How the report and results.json name it: `client-data · mem0`, `post-call`. */
  name: string;
  service: FunctionServiceName;
  /** The memory backend it is bundled for; none for post-call. */
  backend?: MemoryBackendName;
  /** Cold start and warm latency measured (otherwise only what its bundle holds). */
  timed: boolean;
}

/** `--backend`: which backends' functions to measure. */
export const BACKEND_CHOICES = ['both', ...MEMORY_BACKENDS] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** The backends a `--backend` value names, or undefined when it names none. */
export function backendsOf(choice: string): MemoryBackendName[] | undefined {
  if (choice === 'both') return [...MEMORY_BACKENDS];
  return (MEMORY_BACKENDS as readonly string[]).includes(choice) ? [choice as MemoryBackendName] : undefined;
}

const MEMORY_SERVICES = [SERVICE.clientData, SERVICE.retrieve, SERVICE.ingest, 'retention'] as const;

/** Every function bundled for each of `backends`, then post-call once. */
export function benchFunctions(backends: readonly MemoryBackendName[]): BenchFunction[] {
  const functions: BenchFunction[] = [];
  for (const backend of backends) {
    for (const service of MEMORY_SERVICES) {
      functions.push({ name: `${service} · ${backend}`, service, backend, timed: service !== 'retention' });
    }
  }
  functions.push({ name: SERVICE.postCall, service: SERVICE.postCall, timed: true });
  return functions;
}

/**
 * The entry the construct bundles for a function (`handlerEntry` in lib/memory-function.ts):
 * `index.ts` (Mem0, and post-call), `index-agentcore.ts` for AgentCore.
 */
export function entryOf(fn: Pick<BenchFunction, 'service' | 'backend'>): string {
  return handlerEntry(fn.service, fn.backend ?? 'mem0');
}

/**
 * Where a function's bundle sits in a folder of bundles, laid out as the package ships them
 * (`prebuiltBundleDir` in lib/memory-function.ts): `<service>/index.js` for Mem0 and post-call,
 * `<service>-agentcore/index.js` for AgentCore.
 */
export function bundlePathOf(fn: Pick<BenchFunction, 'service' | 'backend'>): string {
  const shipped = prebuiltBundleDir(entryOf(fn));
  return path.join(path.relative(path.join(packageRoot(), PREBUILT_FUNCTIONS_DIR), shipped), 'index.js');
}
