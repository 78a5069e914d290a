/** Summary statistics for the evaluation: mean with a 95 % confidence interval (Student's t), percentiles. */

/** Two-sided 97.5 % quantiles of Student's t for 1..30 degrees of freedom (then 1.96). */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** Mean and half-width of the 95 % confidence interval of the mean (NaN for empty input). */
export function meanCi95(xs: readonly number[]): { mean: number; ci: number } {
  const v = xs.filter((x) => Number.isFinite(x));
  if (v.length === 0) return { mean: NaN, ci: NaN };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  if (v.length < 2) return { mean, ci: 0 };
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
  const t = v.length - 1 <= 30 ? T975[v.length - 2] : 1.96;
  return { mean, ci: (t * sd) / Math.sqrt(v.length) };
}

/** The p-quantile (0..1) by nearest rank of a list (NaN when empty). */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
}
