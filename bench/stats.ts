/** Summaries of repeated measurements: each figure a median, with its repetitions and spread kept. */

export interface Summary {
  /** How many measurements. */
  n: number;
  median: number;
  p10: number;
  p90: number;
  min: number;
  max: number;
}

/** The q-quantile (0..1) of `values`, linearly interpolated between the two nearest ranks. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new Error('no values');
  if (q < 0 || q > 1) throw new Error(`quantile ${q} is not within 0..1`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = q * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);

export function summarize(values: readonly number[]): Summary {
  return {
    n: values.length,
    median: quantile(values, 0.5),
    p10: quantile(values, 0.1),
    p90: quantile(values, 0.9),
    min: Math.min(...values),
    max: Math.max(...values),
  };
}

/** A number rounded to `digits` significant digits, for reports (never for comparisons). */
export function round(value: number, digits = 3): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  return Number(value.toPrecision(digits));
}

/** Every number of a summary rounded for the report. */
export const rounded = (summary: Summary): Summary => ({
  n: summary.n,
  median: round(summary.median),
  p10: round(summary.p10),
  p90: round(summary.p90),
  min: round(summary.min),
  max: round(summary.max),
});
