// Summary statistics of a benchmark's samples: nearest-rank percentiles, so a reported p99 is a value
// that was actually measured.

export interface Summary {
  count: number;
  median: number;
  p99: number;
  min: number;
  max: number;
}

/** The nearest-rank percentile (0 < p ≤ 100) of `samples`; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function summarize(samples: readonly number[]): Summary {
  return {
    count: samples.length,
    median: percentile(samples, 50),
    p99: percentile(samples, 99),
    min: samples.length ? Math.min(...samples) : Number.NaN,
    max: samples.length ? Math.max(...samples) : Number.NaN,
  };
}
