/** The nearest-rank `q`-quantile (0 < q ≤ 1) of values sorted ascending; NaN when there are none. */
export function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}
