/**
 * Which source file each byte of a generated file came from, read from its source map: what a
 * prebuilt bundle is made of when there is no esbuild metafile to ask. A mapping segment covers
 * the generated code from its column up to the next segment's (or the line's end); unmapped code
 * (segments without a source) is counted nowhere. Columns count UTF-16 code units, as source maps do.
 */

export interface SourceMap {
  sources: string[];
  mappings: string;
}

/** Generated characters per source path, for the sources that contributed any. */
export function bytesPerSource(map: SourceMap, generated: string): Map<string, number> {
  const lines = generated.split('\n');
  const bytes = new Map<string, number>();
  let source = 0;
  map.mappings.split(';').forEach((line, lineIndex) => {
    if (line === '') return;
    const lineLength = lines[lineIndex]?.length ?? 0;
    let column = 0;
    const segments: Array<{ column: number; source?: number }> = [];
    for (const segment of line.split(',')) {
      const fields = decodeVlq(segment);
      column += fields[0];
      if (fields.length >= 4) {
        source += fields[1];
        segments.push({ column, source });
      } else segments.push({ column });
      // Original line, column and name deltas carry on across segments but say nothing of which file.
    }
    segments.forEach((segment, i) => {
      if (segment.source === undefined) return;
      const end = i + 1 < segments.length ? segments[i + 1].column : lineLength;
      const path = map.sources[segment.source];
      if (path === undefined)
        throw new Error(`source map segment names source ${segment.source} of ${map.sources.length}`);
      bytes.set(path, (bytes.get(path) ?? 0) + Math.max(0, end - segment.column));
    });
  });
  for (const [path, count] of bytes) if (count === 0) bytes.delete(path);
  return bytes;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 VLQ: five value bits per digit, low digits first, a continuation bit, the sign in the lowest bit. */
export function decodeVlq(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = BASE64.indexOf(char);
    if (digit < 0) throw new Error(`not a base64 VLQ digit: ${JSON.stringify(char)} in ${JSON.stringify(segment)}`);
    value += (digit & 31) * 2 ** shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    values.push(value % 2 === 1 ? -(value - 1) / 2 : value / 2);
    value = 0;
    shift = 0;
  }
  if (shift !== 0) throw new Error(`unfinished VLQ value in ${JSON.stringify(segment)}`);
  return values;
}
