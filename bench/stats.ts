/** Summary statistics for the benchmarks. */

/**
 * The p-quantile of ascending `sorted`, computed exactly as the etcd anchor's workload
 * (etcd-put.js) computes its own, so that the two sides' percentiles compare like for like.
 * NaN for no samples.
 */
export function percentile(sorted: readonly number[], p: number): number {
  const v = sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return v === undefined ? Number.NaN : v;
}

/** The median of `values` (mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const hi = s[mid];
  const lo = s[mid - 1];
  if (hi === undefined) return Number.NaN;
  return s.length % 2 === 1 || lo === undefined ? hi : (lo + hi) / 2;
}

/** `x` rounded to 2 decimals, as the anchor prints its figures. */
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
