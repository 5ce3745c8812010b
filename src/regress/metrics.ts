/**
 * The metrics a regression suite tracks for one run, flat: `cycles`, `stallCycles`, `macs`,
 * `energyPj`, `areaUm2` (null when not computed) and `counts.<action>` (summed over layers).
 */
import type { SimResult } from '../sim/result.js';
import type { ToleranceKey } from './suite.js';

export type MetricValue = number | null;
export type Metrics = Readonly<Record<string, MetricValue>>;

/** Metrics as a baseline file stores them: the action counts in their own object. */
export interface StoredMetrics {
  readonly cycles: number;
  readonly stallCycles: number;
  readonly macs: number;
  readonly energyPj: number | null;
  readonly areaUm2: number | null;
  readonly counts: Readonly<Record<string, number>>;
}

export const COUNT_PREFIX = 'counts.';

/** Every action count of a run, summed over its layers (first-seen order). */
export function totalCounts(result: SimResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const layer of result.layers)
    for (const [k, v] of Object.entries(layer.counts)) out[k] = (out[k] ?? 0) + v;
  return out;
}

export function storedMetrics(result: SimResult): StoredMetrics {
  const t = result.totals;
  return {
    cycles: t.cycles,
    stallCycles: t.stallCycles,
    macs: t.macs,
    energyPj: t.energyPj,
    areaUm2: t.areaUm2,
    counts: totalCounts(result),
  };
}

export function flattenMetrics(m: StoredMetrics): Metrics {
  const out: Record<string, MetricValue> = {
    cycles: m.cycles,
    stallCycles: m.stallCycles,
    macs: m.macs,
    energyPj: m.energyPj,
    areaUm2: m.areaUm2,
  };
  for (const [k, v] of Object.entries(m.counts)) out[COUNT_PREFIX + k] = v;
  return out;
}

/** Which tolerance applies to a flat metric name. */
export function toleranceKeyOf(metric: string): ToleranceKey {
  if (metric.startsWith(COUNT_PREFIX)) return 'counts';
  switch (metric) {
    case 'cycles':
    case 'stallCycles':
    case 'macs':
    case 'energyPj':
    case 'areaUm2':
      return metric;
    default:
      return 'counts';
  }
}
