/**
 * E — the event engine of the systolic target. It runs the same machine as the reference stepper
 * (./reference.ts) but never steps a cycle: within a fold, rows run back to back, and the only
 * moments that need work are the rows where a DRAM chunk is first demanded and the rows where the
 * ofmap buffer must swap halves. Everything between is caught up arithmetically.
 *
 * Timing rules (identical in R):
 *  - fold rows execute in order, one per cycle, unless the row stalls; a stalled row retries the
 *    next cycle and the whole array freezes (lock-step);
 *  - a row that first demands chunk j of a stream waits until that chunk has arrived; when it
 *    executes, chunk j+1 of that stream is requested (ifmap before filter within a cycle);
 *  - the read channel serves requests in order: a request of b bytes issued at cycle c occupies the
 *    channel during [s, s + ⌈b / readBandwidth⌉) with s = max(c, channel free), and the data is
 *    usable from that end plus the DRAM latency; a request of 0 bytes is usable at once;
 *  - the ofmap buffer has two halves of H words; a row whose outputs do not fit in the active half
 *    needs the other half free: it fills the active half, closes it (its drain occupies the write
 *    channel during [c, c + ⌈H·wordBytes / writeBandwidth⌉)) and continues in the other half;
 *  - bitcycle conventions: the first chunks are requested at cycle 0 and the layer ends when the
 *    last half has drained; scalesim conventions: the first chunks are on chip at cycle 0 and the
 *    layer ends at the stamp of its last row (SCALE-Sim's Total Cycles).
 */
import type { LayerPlan } from './plan.js';
import { foldOutputs, outputsThrough, transferCycles } from './plan.js';
import type { SystolicSpec } from './spec.js';

export interface Timing {
  /** Total cycles of the layer under the spec's conventions. */
  readonly cycles: number;
  /** Σ fold lengths (rows executed). */
  readonly computeCycles: number;
  /** cycles − compute cycles (under scalesim conventions: the stall cycles SCALE-Sim reports). */
  readonly stallCycles: number;
  readonly readStallCycles: number;
  readonly writeStallCycles: number;
  /** Cycles after the last row spent draining the ofmap buffer (bitcycle conventions). */
  readonly drainCycles: number;
  /** Ofmap halves drained (including the final partial one). */
  readonly ofmapDrains: number;
  /** Cycle after the last row. */
  readonly lastRowEnd: number;
}

/**
 * What happened when, for traces and start/stop reports (optional; recording costs memory
 * proportional to the number of events, not cycles).
 */
export interface Timeline {
  /** Row timing: from row `row` of fold `fold` on, row r runs at cycle `cycle + (r − row)`. */
  readonly rowFold: number[];
  readonly rowRow: number[];
  readonly rowCycle: number[];
  /** DRAM read transfers: stream (0 ifmap, 1 filter), chunk index, [start, end) cycles. */
  readonly readStream: number[];
  readonly readChunk: number[];
  readonly readStart: number[];
  readonly readEnd: number[];
  /** Ofmap drains: [start, end) cycles and words. */
  readonly drainStart: number[];
  readonly drainEnd: number[];
  readonly drainWords: number[];
}

export function newTimeline(): Timeline {
  return {
    rowFold: [],
    rowRow: [],
    rowCycle: [],
    readStream: [],
    readChunk: [],
    readStart: [],
    readEnd: [],
    drainStart: [],
    drainEnd: [],
    drainWords: [],
  };
}

/** Cycle at which row `row` of fold `fold` ran, from a recorded timeline. */
export function rowCycle(tl: Timeline, fold: number, row: number): number {
  // last segment at or before (fold, row): binary search on (fold, row) order
  let lo = 0;
  let hi = tl.rowFold.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    const f = tl.rowFold[mid]!;
    if (f < fold || (f === fold && tl.rowRow[mid]! <= row)) lo = mid;
    else hi = mid - 1;
  }
  return tl.rowCycle[lo]! + (row - tl.rowRow[lo]!);
}

/** Smallest fold row t with F0 + outputs(≤ t) > bound, or Infinity if the fold never gets there. */
function rowExceeding(
  f: { outBase: number; outPerColumn: number; uc: number },
  f0: number,
  bound: number,
  total: number,
): number {
  if (f0 + total <= bound) return Infinity;
  let lo = f.outBase;
  let hi = f.outBase + f.outPerColumn + f.uc - 2; // last output row: F0 + total > bound there
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (f0 + outputsThrough(mid - f.outBase, f.outPerColumn, f.uc) > bound) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function runEventTiming(plan: LayerPlan, spec: SystolicSpec, timeline?: Timeline): Timing {
  const br = spec.readBandwidthBytesPerCycle;
  const bw = spec.writeBandwidthBytesPerCycle;
  const latency = spec.dramLatencyCycles;
  const scalesim = spec.conventions === 'scalesim';
  const ic = plan.ifmapChunks;
  const fc = plan.filterChunks;
  const readyI = new Float64Array(ic.length + 1).fill(Infinity);
  const readyF = new Float64Array(fc.length + 1).fill(Infinity);
  let readFree = 0;
  const issue = (ready: Float64Array, bytesOf: (j: number) => number, j: number, c: number): void => {
    const b = bytesOf(j);
    if (b === 0) {
      ready[j] = c;
      return;
    }
    const s = Math.max(c, readFree);
    readFree = s + transferCycles(b, br);
    ready[j] = readFree + latency;
    if (timeline !== undefined) {
      timeline.readStream.push(ready === readyI ? 0 : 1);
      timeline.readChunk.push(j);
      timeline.readStart.push(s);
      timeline.readEnd.push(readFree);
    }
  };
  const recordDrain = (start: number, end: number, words: number): void => {
    if (timeline === undefined) return;
    timeline.drainStart.push(start);
    timeline.drainEnd.push(end);
    timeline.drainWords.push(words);
  };
  const bytesI = (j: number): number => ic[j]?.bytes ?? 0;
  const bytesF = (j: number): number => fc[j]?.bytes ?? 0;

  if (scalesim) {
    readyI[0] = 0;
    readyF[0] = 0;
  } else {
    if (ic.length > 0) issue(readyI, bytesI, 0, 0);
    if (fc.length > 0) issue(readyF, bytesF, 0, 0);
  }

  const h = plan.ofmapHalfWords;
  const wb = plan.ofmapWordBytes;
  const drainHalf = transferCycles(h * wb, bw);
  let fill = 0;
  let otherFree = 0;
  let drains = 0;
  let ni = 0;
  let nf = 0;
  let cycle = 0;
  let computeCycles = 0;
  let readStall = 0;
  let writeStall = 0;

  for (let fi = 0; fi < plan.folds.length; fi++) {
    const fold = plan.folds[fi]!;
    let shift = cycle;
    if (timeline !== undefined) {
      timeline.rowFold.push(fi);
      timeline.rowRow.push(0);
      timeline.rowCycle.push(shift);
    }
    const f0 = fill;
    const total = foldOutputs(fold);
    let swaps = 0;
    let swapRow = rowExceeding(fold, f0, h, total);
    for (;;) {
      const chI = ic[ni];
      const chF = fc[nf];
      const rowI = chI !== undefined && chI.fold === fi ? chI.row : Infinity;
      const rowF = chF !== undefined && chF.fold === fi ? chF.row : Infinity;
      const t = Math.min(rowI, rowF, swapRow);
      if (t === Infinity) break;
      const c0 = t + shift;
      let need = c0;
      if (rowI === t) need = Math.max(need, readyI[ni] ?? Infinity);
      if (rowF === t) need = Math.max(need, readyF[nf] ?? Infinity);
      const c = swapRow === t ? Math.max(need, otherFree) : need;
      readStall += need - c0;
      writeStall += c - need;
      shift += c - c0;
      if (timeline !== undefined && c !== c0) {
        timeline.rowFold.push(fi);
        timeline.rowRow.push(t);
        timeline.rowCycle.push(c);
      }
      if (rowI === t) {
        ni++;
        if (ni < ic.length) issue(readyI, bytesI, ni, c);
      }
      if (rowF === t) {
        nf++;
        if (nf < fc.length) issue(readyF, bytesF, nf, c);
      }
      if (swapRow === t) {
        recordDrain(c, c + drainHalf, h);
        otherFree = c + drainHalf;
        drains++;
        swaps++;
        swapRow = rowExceeding(fold, f0, (swaps + 1) * h, total);
      }
    }
    cycle = fold.length - 1 + shift + 1;
    computeCycles += fold.length;
    fill = f0 + total - swaps * h;
  }

  const lastRowEnd = cycle;
  let end = Math.max(lastRowEnd, otherFree);
  if (fill > 0) {
    // the controller closes the last half in the cycle it finds the drain free; that takes a cycle
    // even when the drain itself is instantaneous (unlimited write bandwidth)
    drains++;
    const start = Math.max(lastRowEnd, otherFree);
    end = start + Math.max(1, transferCycles(fill * wb, bw));
    recordDrain(start, start + transferCycles(fill * wb, bw), fill);
  }
  if (scalesim) {
    const cycles = lastRowEnd - 1;
    return {
      cycles,
      computeCycles,
      stallCycles: cycles - (computeCycles - 1),
      readStallCycles: readStall,
      writeStallCycles: writeStall,
      drainCycles: 0,
      ofmapDrains: drains,
      lastRowEnd,
    };
  }
  return {
    cycles: end,
    computeCycles,
    stallCycles: end - computeCycles,
    readStallCycles: readStall,
    writeStallCycles: writeStall,
    drainCycles: end - lastRowEnd,
    ofmapDrains: drains,
    lastRowEnd,
  };
}
