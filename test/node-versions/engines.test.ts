/**
 * package.json `engines.node` is the Node range this package supports: the construct in a
 * consumer's synth, the admin CLI on an operator's machine, the local stack. Its floor must be a
 * Node every locked package runs on: when one moves past it (the AWS SDK for JavaScript requires
 * Node 22 in versions published after the first week of January 2027), these tests fail until the
 * floor moves with it. And `npm ci` installs only what the lock file pins, so a dependency
 * publishing a version for a newer Node changes nothing here until the lock file takes it.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { majorOf } from '../../scripts/node24-runtime';

const REPO_ROOT = path.join(__dirname, '..', '..');

interface LockedPackage {
  version?: string;
  integrity?: string;
  link?: boolean;
  resolved?: string;
  inBundle?: boolean;
  engines?: { node?: string } | string[];
}

const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
};
const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
  lockfileVersion: number;
  packages: Record<string, LockedPackage>;
};
const dependencies = Object.entries(lock.packages).filter(([location]) => location !== '');

const VERSION = String.raw`v?(\d+|[xX*])(?:\.(?:\d+|[xX*])){0,2}(?:-[0-9A-Za-z.-]+)?`;
const COMPARATOR = new RegExp(String.raw`(<=|>=|<|>|\^|~|=)?\s*${VERSION}`, 'g');

/** The lowest Node major a semver range admits ("^20.19.0 || ^22.13.0 || >=24" → 20; "<=4" → 0). */
function lowestMajor(range: string): number {
  return Math.min(
    ...range.split('||').map((alternative) => {
      const lowerBounds = [...alternative.trim().matchAll(COMPARATOR)]
        .filter(([, operator]) => operator !== '<' && operator !== '<=')
        .map(([, , major]) => (/^\d+$/.test(major) ? Number(major) : 0));
      return lowerBounds.length ? Math.min(...lowerBounds) : 0;
    }),
  );
}

describe('reading a range’s floor', () => {
  test.each([
    ['>=20', 20],
    ['>= 18.0.0', 18],
    ['>=20.0.0', 20],
    ['^20.19.0 || ^22.13.0 || >=24', 20],
    ['^14.15.0 || ^16.10.0 || >=18.0.0', 14],
    ['20 || >=22', 20],
    ['>=22.0.0-rc.1', 22],
    ['*', 0],
    ['<=4', 0],
    ['1.2.x - 3', 1],
  ])('%s: Node %d', (range, major) => {
    expect(lowestMajor(range)).toBe(major);
  });
});

describe('the supported Node range', () => {
  const floor = lowestMajor(manifest.engines.node);

  test('is a floor with no ceiling: npm warns consumers on a newer Node about a ceiling', () => {
    expect(manifest.engines.node).toMatch(/^>=\d+$/);
  });

  test('every locked package runs on its floor', () => {
    const needNewer = dependencies
      .map(([location, entry]) => ({ location, node: Array.isArray(entry.engines) ? undefined : entry.engines?.node }))
      .filter(({ node }) => node !== undefined && lowestMajor(node) > floor)
      .map(({ location, node }) => `${location} needs node ${node}`);
    expect(needNewer).toEqual([]);
  });

  test('holds the Node this suite runs on: the floor is tested, not only declared', () => {
    expect(majorOf(process.versions.node)).toBeGreaterThanOrEqual(floor);
  });
});

describe('npm ci', () => {
  test('installs exact versions checked by hash: nothing resolves a range at install time', () => {
    expect(lock.lockfileVersion).toBe(3);
    const floating = dependencies
      // Folders of this repository (link targets) are installed as they are; bundled ones come inside their parent.
      .filter(([location, entry]) => location.includes('node_modules/') && !entry.link && !entry.inBundle)
      .filter(([, entry]) => !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(entry.version ?? '') || !entry.integrity)
      .map(([location]) => location);
    expect(floating).toEqual([]);
    const elsewhere = dependencies.filter(
      ([, entry]) => !entry.link && entry.resolved?.startsWith('https://') === false,
    );
    expect(elsewhere).toEqual([]);
  });

  test('links only to folders of this repository', () => {
    const links = dependencies.filter(([, entry]) => entry.link);
    expect(links.length).toBeGreaterThan(0);
    for (const [, entry] of links)
      expect(path.relative(REPO_ROOT, path.resolve(REPO_ROOT, entry.resolved ?? '/'))).toMatch(/^(?!\.\.)[^/]/);
  });
});
