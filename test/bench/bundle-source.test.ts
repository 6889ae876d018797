import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleSourceFrom, describeBundleSource, functionBundles } from '../../bench/bundle-source';
import { SERVICES, prebuiltBundleFile, type FunctionBundle } from '../../bench/bundles';
import { bytesPerSource, decodeVlq } from '../../bench/source-map-bytes';
import { temporaryDirectory } from '../lib/cdk-test-app';

/**
 * The bench measures either the functions built from source or prebuilt bundles (what the package
 * ships); for prebuilt ones, what each bundle holds is read from its source map, and must say
 * what esbuild's metafile says of the same bytes.
 */

let work: string;
let built: FunctionBundle[];
beforeAll(async () => {
  work = temporaryDirectory('agentic-memory-bundle-source');
  built = await functionBundles(bundleSourceFrom(undefined), work);
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A folder laid out as prebuilt bundles, holding `fileOf(service)`'s bundle for each function. */
function prebuiltFolder(name: string, fileOf: (service: string) => string): string {
  const dir = path.join(work, name);
  for (const service of SERVICES) {
    const target = prebuiltBundleFile(dir, service);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(fileOf(service), target);
    fs.copyFileSync(`${fileOf(service)}.map`, `${target}.map`);
  }
  return dir;
}

const fileOf = (service: string) => built.find((b) => b.service === service)!.file;

test('no --bundles: the functions are built from source; --bundles <dir>: the files in that folder', () => {
  expect(bundleSourceFrom(undefined)).toEqual({ kind: 'source' });
  expect(bundleSourceFrom('')).toEqual({ kind: 'source' });
  expect(bundleSourceFrom('dist/functions')).toEqual({ kind: 'prebuilt', dir: path.resolve('dist/functions') });
  expect(describeBundleSource({ kind: 'prebuilt', dir: '/pkg/functions' })).toBe(
    'prebuilt, from /pkg/functions/<service>/index.js',
  );
  expect(built.map((b) => b.file)).toEqual(
    SERVICES.map((service) => path.join(work, 'functions', service, 'index.js')),
  );
});

test('prebuilt bundles are measured from their folder, and their source maps tell what they hold as the metafile does', async () => {
  const dir = prebuiltFolder('prebuilt', fileOf);
  const prebuilt = await functionBundles(bundleSourceFrom(dir), work);
  expect(prebuilt.map((b) => b.file)).toEqual(SERVICES.map((service) => prebuiltBundleFile(dir, service)));
  for (const [i, fromSource] of built.entries()) {
    const fromMap = prebuilt[i];
    expect(fromMap).toMatchObject({
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
  // The pre-call's bundle (Mem0 and S3 clients) shipped as the in-call search.
  const dir = prebuiltFolder('misplaced', (service) => fileOf(service === 'retrieve' ? 'client-data' : service));
  const retrieve = (await functionBundles(bundleSourceFrom(dir), work)).find((b) => b.service === 'retrieve')!;
  expect(retrieve.deadCode).toEqual(['@aws-sdk/client-s3']);
});

test('a prebuilt folder missing a function’s bundle or source map is refused by name', async () => {
  const dir = prebuiltFolder('incomplete', fileOf);
  fs.rmSync(`${prebuiltBundleFile(dir, 'ingest')}.map`);
  await expect(functionBundles(bundleSourceFrom(dir), work)).rejects.toThrow(
    `no prebuilt bundle for ingest: ${prebuiltBundleFile(dir, 'ingest')}.map does not exist`,
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
