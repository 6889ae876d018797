import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** The project's payload fixtures: `test/fixtures/` (their origin is in its README). */
export const FIXTURES_DIR = path.resolve(__dirname, '../fixtures');

/**
 * A fixture's exact bytes, e.g. `readFixture('elevenlabs/documented/sample_silence.mp3')`.
 * Fixtures ship with the repository, so a missing one is an error that names it, never a skip.
 */
export function readFixture(relPath: string): Buffer {
  const file = path.join(FIXTURES_DIR, relPath);
  if (!existsSync(file)) throw new Error(`fixture ${relPath} is missing: expected ${file}`);
  return readFileSync(file);
}

/** A fixture parsed as JSON. */
export function readFixtureJson<T = unknown>(relPath: string): T {
  return JSON.parse(readFixture(relPath).toString('utf8')) as T;
}
