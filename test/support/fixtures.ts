import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** The shared fixtures folder, outside the project: `../shared/fixtures/` from the project root. */
export const FIXTURES_DIR = path.resolve(__dirname, '../../../shared/fixtures');

/** Whether the fixtures folder exists on this machine. */
export function fixturesAvailable(): boolean {
  return existsSync(FIXTURES_DIR);
}

/** A fixture's exact bytes, e.g. `readFixture('elevenlabs/documented/sample_silence.mp3')`. */
export function readFixture(relPath: string): Buffer {
  return readFileSync(path.join(FIXTURES_DIR, relPath));
}

/** A fixture parsed as JSON. */
export function readFixtureJson<T = unknown>(relPath: string): T {
  return JSON.parse(readFixture(relPath).toString('utf8')) as T;
}

/** `describe` when the fixtures exist; otherwise a skipped suite and a warning that says why. */
export function describeWithFixtures(name: string, fn: () => void): void {
  if (fixturesAvailable()) {
    describe(name, fn);
    return;
  }
  console.warn(`Skipping "${name}": the shared fixtures are missing (expected at ${FIXTURES_DIR}).`);
  describe.skip(name, fn);
}
