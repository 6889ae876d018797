/** Nearest-rank percentile (p in 0..100) of a sample. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('no samples');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export const median = (values: readonly number[]) => percentile(values, 50);

export interface Distribution {
  samples: number;
  p50: number;
  p99: number;
}

export function distribution(values: readonly number[]): Distribution {
  return { samples: values.length, p50: round(percentile(values, 50)), p99: round(percentile(values, 99)) };
}

/** Milliseconds to 0.01 ms: finer is noise. */
export function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
