/**
 * Closed-form action counts of a layer plan: what R counts PE by PE and cycle by cycle, as sums
 * over folds. Counts do not depend on stalls (a stalled row is retried, not repeated).
 * Action names: see docs/systolic.md.
 */
import type { ActionCounts } from '../../engine/component.js';
import type { LayerPlan } from './plan.js';
import { bytesOf, foldOutputs } from './plan.js';
import type { SystolicSpec } from './spec.js';

/** Counts R records while executing rows (PE array and SRAM ports). */
export function arrayCounts(plan: LayerPlan): ActionCounts {
  const { rows: R, cols: C, dataflow } = plan;
  let mac = 0;
  let peCycles = 0;
  let ifmapHop = 0;
  let filterHop = 0;
  let psumHop = 0;
  let ifmapRead = 0;
  let filterRead = 0;
  let ofmapWrite = 0;
  for (const f of plan.folds) {
    const { ur, uc, t } = f;
    const macs = ur * uc * t;
    mac += macs;
    peCycles += R * C * f.length;
    const loadHops = (uc * ur * (ur - 1)) / 2; // stationary tile pushed down, bottom row first
    switch (dataflow) {
      case 'os':
        ifmapRead += ur * t;
        filterRead += t * uc;
        ofmapWrite += ur * uc;
        ifmapHop += ur * t * (C - 1);
        filterHop += uc * t * (R - 1);
        break;
      case 'ws':
        filterRead += ur * uc;
        ifmapRead += t * ur;
        ofmapWrite += t * uc;
        filterHop += loadHops;
        ifmapHop += t * ur * (C - 1);
        psumHop += t * uc * (R - 1);
        break;
      case 'is':
        ifmapRead += ur * uc;
        filterRead += ur * t;
        ofmapWrite += t * uc;
        ifmapHop += loadHops;
        filterHop += t * ur * (C - 1);
        psumHop += t * uc * (R - 1);
        break;
    }
  }
  return {
    'pe.idle': peCycles - mac,
    'pe.ifmap_hop': ifmapHop,
    'pe.filter_hop': filterHop,
    'pe.mac': mac,
    'pe.psum_hop': psumHop,
    'sram.filter.read': filterRead,
    'sram.ifmap.read': ifmapRead,
    'sram.ofmap.write': ofmapWrite,
  };
}

/** Memory-side counts: DRAM traffic and SRAM fills/drains, plus convention-specific entries. */
export function memoryCounts(plan: LayerPlan, spec: SystolicSpec, psumBytes: number): ActionCounts {
  let ifmapBytes = 0;
  let ifmapFill = 0;
  let filterBytes = 0;
  let filterFill = 0;
  for (const ch of plan.ifmapChunks) {
    ifmapBytes += ch.bytes;
    ifmapFill += ch.elements;
  }
  for (const ch of plan.filterChunks) {
    filterBytes += ch.bytes;
    filterFill += ch.elements;
  }
  let outWords = 0;
  let psumReadWords = 0;
  for (const f of plan.folds) {
    const o = foldOutputs(f);
    outWords += o;
    if (plan.writesPartialSums && f.fr > 0) psumReadWords += o;
  }
  const counts: ActionCounts = {
    'dram.filter.read.bytes': filterBytes,
    'dram.ifmap.read.bytes': ifmapBytes,
    'dram.ofmap.write.bytes': bytesOf(outWords, plan.ofmapWordBytes),
    'sram.filter.fill': filterFill,
    'sram.ifmap.fill': ifmapFill,
    'sram.ofmap.drain': outWords,
  };
  if (spec.conventions === 'bitcycle' && plan.writesPartialSums) {
    // partial sums of later row folds are added to the earlier ones at the DRAM side
    counts['dram.psum.read.bytes'] = bytesOf(psumReadWords, psumBytes);
  }
  return counts;
}

/**
 * SCALE-Sim's OFMAP SRAM write count for os adds rows + cols per fold (a double count in its
 * counter, reference/scalesim.md §1.6 quirk 2); reproduced under scalesim conventions only.
 */
export function scalesimOfmapWriteExtra(plan: LayerPlan, spec: SystolicSpec): number {
  if (spec.conventions !== 'scalesim' || plan.dataflow !== 'os') return 0;
  return plan.folds.length * (plan.rows + plan.cols);
}

/** SCALE-Sim's mapping efficiency and compute utilization (§1.5), as fractions. */
export function scalesimUtilizations(plan: LayerPlan): { mappingEfficiency: number; computeUtil: number } {
  const { rows: R, cols: C, dataflow } = plan;
  let mapSum = 0;
  let compSum = 0;
  for (const f of plan.folds) {
    const used = (f.ur * f.uc) / (R * C);
    mapSum += used;
    const lu = dataflow === 'os' ? f.t + R + C - 2 : f.t + 2 * R + 2 * C - 3;
    compSum += (f.ur * f.uc * f.t) / (R * C * lu);
  }
  const n = Math.max(1, plan.folds.length);
  return { mappingEfficiency: mapSum / n, computeUtil: compSum / n };
}
