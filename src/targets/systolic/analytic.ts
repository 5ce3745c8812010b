/**
 * A — the analytic model of the systolic target: cycles in closed form, for sweeps too large to
 * run E on every point. It is exact inside its domain and a lower bound outside it.
 *
 * Domain (sufficient for "no stall can occur"): unlimited DRAM read bandwidth, zero DRAM latency and
 * unlimited write bandwidth. Then every chunk is usable the cycle it is requested and every ofmap
 * half drains at once, so rows never wait:
 *   scalesim conventions: cycles = Σ fold lengths − 1   (SCALE-Sim's stamp of the last row)
 *   bitcycle conventions: cycles = Σ fold lengths + (1 if outputs are left in the active half)
 * Outside the domain the same expressions, without the write-back cycle, bound E from below.
 * Action counts need no model of time: A's counts are E's (./counts.ts).
 */
import { foldOutputs, type LayerPlan } from './plan.js';
import type { SystolicSpec } from './spec.js';

export interface AnalyticTiming {
  /** Cycles: exact when `exact`, otherwise a lower bound. */
  readonly cycles: number;
  readonly computeCycles: number;
  readonly exact: boolean;
}

export function inAnalyticDomain(spec: SystolicSpec): boolean {
  return (
    spec.readBandwidthBytesPerCycle === Infinity &&
    spec.writeBandwidthBytesPerCycle === Infinity &&
    spec.dramLatencyCycles === 0
  );
}

export function analyticTiming(plan: LayerPlan, spec: SystolicSpec): AnalyticTiming {
  let computeCycles = 0;
  let words = 0;
  for (const f of plan.folds) {
    computeCycles += f.length;
    words += foldOutputs(f);
  }
  const exact = inAnalyticDomain(spec);
  if (spec.conventions === 'scalesim') return { cycles: computeCycles - 1, computeCycles, exact };
  // lazy swaps leave words − (⌈words / H⌉ − 1)·H > 0 words for the final write-back when words > 0
  const writeBack = exact && words > 0 ? 1 : 0;
  return { cycles: computeCycles + writeBack, computeCycles, exact };
}
