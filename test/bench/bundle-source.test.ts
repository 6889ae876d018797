import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleSourceFrom, describeBundleSource, functionBundles } from '../../bench/bundle-source';
import { prebuiltBundleFile, type FunctionBundle } from '../../bench/bundles';
import { benchFunctions, type BenchFunction } from '../../bench/functions';
import { bytesPerSource, decodeVlq } from '../../bench/source-map-bytes';
import { temporaryDirectory } from '../lib/cdk-test-app';

/**
 * The bench measures either the functions built from source or prebuilt bundles (what the package
 * ships); for prebuilt ones, what each bundle holds is read from its source map, and must say
 * what esbuild's metafile says of the same bytes.
 */

/** Both backends' functions: their bundles sit in different folders of a prebuilt layout. */
const FUNCTIONS = benchFunctions(['mem0', 'agentcore']);
const named = (name: string) => FUNCTIONS.find((fn) => fn.name === name)!;

let work: string;
let built: FunctionBundle[];
beforeAll(async () => {
  work = temporaryDirectory('agentic-memory-bundle-source');
  built = await functionBundles(bundleSourceFrom(undefined), work, FUNCTIONS);
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A folder laid out as prebuilt bundles, holding `fileOf(fn)`'s bundle for each function. */
function prebuiltFolder(name: string, fileOf: (fn: BenchFunction) => string): string {
  const dir = path.join(work, name);
  for (const fn of FUNCTIONS) {
    const target = prebuiltBundleFile(dir, fn);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(fileOf(fn), target);
    fs.copyFileSync(`${fileOf(fn)}.map`, `${target}.map`);
  }
  return dir;
}

const fileOf = (fn: Pick<BenchFunction, 'name'>) => built.find((b) => b.name === fn.name)!.file;

test('no --bundles: the functions are built from source; --bundles <dir>: the files in that folder', () => {
  expect(bundleSourceFrom(undefined)).toEqual({ kind: 'source' });
  expect(bundleSourceFrom('')).toEqual({ kind: 'source' });
  expect(bundleSourceFrom('dist/functions')).toEqual({ kind: 'prebuilt', dir: path.resolve('dist/functions') });
  expect(describeBundleSource({ kind: 'prebuilt', dir: '/pkg/functions' })).toBe(
    'prebuilt, from /pkg/functions/<service>/index.js and /pkg/functions/<service>-agentcore/index.js',
  );
  expect(built.map((b) => path.relative(path.join(work, 'functions'), b.file))).toEqual([
    'client-data/index.js',
    'retrieve/index.js',
    'ingest/index.js',
    'retention/index.js',
    'client-data-agentcore/index.js',
    'retrieve-agentcore/index.js',
    'ingest-agentcore/index.js',
    'retention-agentcore/index.js',
    'post-call/index.js',
  ]);
});

test('prebuilt bundles are measured from their folder, and their source maps tell what they hold as the metafile does', async () => {
  const dir = prebuiltFolder('prebuilt', fileOf);
  const prebuilt = await functionBundles(bundleSourceFrom(dir), work, FUNCTIONS);
  expect(prebuilt.map((b) => b.file)).toEqual(FUNCTIONS.map((fn) => prebuiltBundleFile(dir, fn)));
  for (const [i, fromSource] of built.entries()) {
    const fromMap = prebuilt[i];
    expect(fromMap).toMatchObject({
      name: fromSource.name,
      service: fromSource.service,
      bytes: fromSource.bytes,
      sourceMapBytes: fromSource.sourceMapBytes,
      deadCode: [],
    });
    expect(fromMap.packages.map((p) => p.name).sort()).toEqual(fromSource.packages.map((p) => p.name).sort());
    for (const { name, bytes } of fromSource.packages) {
      const mapped = fromMap.packages.find((p) => p.name === name)!.bytes;
      expect(Math.abs(mapped - bytes)).toBeLessThanOrEqual(Math.max(64, bytes * 0.01));
    }
  }
});

test('a prebuilt bundle holding code its function never runs is found out from its source map', async () => {
  // The pre-call's bundle (memory and S3 clients) shipped as the in-call search; the Mem0 search
  // shipped as the AgentCore one.
  const dir = prebuiltFolder('misplaced', (fn) =>
    fileOf(
      fn.name === 'retrieve · mem0'
        ? named('client-data · mem0')
        : fn.name === 'retrieve · agentcore'
          ? named('retrieve · mem0')
          : fn,
    ),
  );
  const bundles = await functionBundles(bundleSourceFrom(dir), work, FUNCTIONS);
  const deadCode = (name: string) => bundles.find((b) => b.name === name)!.deadCode;
  expect(deadCode('retrieve · mem0')).toEqual(['@aws-sdk/client-s3']);
  expect(deadCode('retrieve · agentcore')).toEqual(['the Mem0 client (mem0ai, lambdas/shared/memory/mem0-*)']);
  expect(deadCode('client-data · mem0')).toEqual([]);
});

test('a prebuilt folder missing a function’s bundle or source map is refused by name', async () => {
  const dir = prebuiltFolder('incomplete', fileOf);
  const ingest = named('ingest · agentcore');
  fs.rmSync(`${prebuiltBundleFile(dir, ingest)}.map`);
  await expect(functionBundles(bundleSourceFrom(dir), work, FUNCTIONS)).rejects.toThrow(
    `no prebuilt bundle for ingest · agentcore: ${prebuiltBundleFile(dir, ingest)}.map does not exist`,
  );
});

test('source map segments are decoded as base64 VLQ and attributed up to the next segment', () => {
  expect(decodeVlq('AAAA')).toEqual([0, 0, 0, 0]);
  expect(decodeVlq('CADF')).toEqual([1, 0, -1, -2]);
  expect(decodeVlq('gB')).toEqual([16]);
  expect(decodeVlq('hB')).toEqual([-16]);
  expect(() => decodeVlq('g')).toThrow(/unfinished/);
  expect(() => decodeVlq('A*')).toThrow(/not a base64 VLQ digit/);
  // Line 1: columns 0–3 from a.js, 4–5 unmapped, 6–9 from b.js; line 2: columns 2–4 from a.js.
  const generated = 'aaaa..bbbb\n..aaa';
  const map = { sources: ['a.js', 'b.js'], mappings: 'AAAA,I,ECAA;EDAA' };
  expect(bytesPerSource(map, generated)).toEqual(
    new Map([
      ['a.js', 7],
      ['b.js', 4],
    ]),
  );
});
