/**
 * `npm run build:functions` (part of `npm run build`, which `npm pack` runs): every handler entry,
 * for each memory backend it has one for, bundled with the construct's own options
 * (`memoryFunctionBundling()`, turned into esbuild options as NodejsFunction does) into
 * functions/<service>[-agentcore]/index.js, its source map beside it. The installed package
 * deploys these files as they are (`functionCode` in lib/memory-function.ts);
 * test/lib/importable.test.ts proves they are byte for byte what the construct bundles from source.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';
import { esbuildOptionsFor } from '../bench/esbuild-options';
import { MEMORY_BACKENDS, SCHEDULED_SERVICE, SERVICE, type FunctionServiceName } from '../lib/contract';
import {
  MEMORY_FUNCTION_RUNTIME,
  PREBUILT_FUNCTIONS_DIR,
  handlerEntry,
  memoryFunctionBundling,
  packageRoot,
  prebuiltBundleDir,
} from '../lib/memory-function';

/** Every handler entry in this checkout: each function's, for each memory backend it has an entry for. */
export function functionEntries(): string[] {
  const services: FunctionServiceName[] = [...Object.values(SERVICE), ...Object.values(SCHEDULED_SERVICE)];
  const entries = services.flatMap((service) => MEMORY_BACKENDS.map((backend) => handlerEntry(service, backend)));
  return [...new Set(entries)].filter((entry) => fs.existsSync(entry));
}

/** Bundles every entry into a fresh functions/ folder; the bundle folders, in entry order. */
export async function buildFunctions(): Promise<string[]> {
  const root = packageRoot();
  fs.rmSync(path.join(root, PREBUILT_FUNCTIONS_DIR), { recursive: true, force: true });
  const entries = functionEntries();
  await Promise.all(
    entries.map((entry) =>
      build(
        esbuildOptionsFor(memoryFunctionBundling(), MEMORY_FUNCTION_RUNTIME, {
          entry,
          outfile: path.join(prebuiltBundleDir(entry), 'index.js'),
          workingDirectory: root,
        }),
      ),
    ),
  );
  return entries.map(prebuiltBundleDir);
}

if (require.main === module) {
  buildFunctions().then(
    (dirs) => {
      const root = packageRoot();
      console.log(`bundled ${dirs.length} functions: ${dirs.map((dir) => path.relative(root, dir)).join(', ')}`);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
