/**
 * What a systolic layer does when, on the cycle axis, for the waveform (VCD) and timeline
 * (Perfetto) traces: fold by fold, the stretches the array computes and the stalls between them
 * (split into waiting for DRAM data and waiting for the ofmap buffer), and how many SRAM ports of each
 * buffer are active in each cycle. Everything comes from the layer's plan and E's recorded timeline
 * (targets/systolic/event.ts); nothing is stepped cycle by cycle, and the memory held is one fold's
 * segments (one per stall) plus one ready time per DRAM chunk.
 *
 * Timeline rows: from entry (fold f, row r, cycle c) on, rows r, r+1, … of fold f run in cycles c,
 * c+1, … until the next entry. An entry of the same fold is a stall: the array froze from the cycle
 * the previous stretch ended up to c. E stalls a row for two reasons: a DRAM chunk it first needs
 * has not arrived (ready = transfer end + latency), then the other ofmap half is still draining. The
 * split is recomputed here exactly as E takes it: read stall up to max(ready of the chunks the row
 * first demands), write stall for the rest.
 */
import type { Timeline } from '../../targets/systolic/event.js';
import type { Chunk, Fold, LayerPlan } from '../../targets/systolic/plan.js';
import type { SystolicSpec } from '../../targets/systolic/spec.js';
import type { SramStream } from './sram.js';

/**
 * Port activity of one SRAM buffer in one fold, from the dataflow definitions (plan.ts, sram.ts):
 * `ports` ports, port p active in fold rows [start + p, start + p + length), `weight` accesses per
 * active port and row. Padded im2col positions count as accesses, as in E's `sram.ifmap.read`.
 *
 *   os  ifmap  ur ports from row 0, T rows each       filter  uc ports from row 0, T rows
 *       ofmap  uc ports from row T−1, ur rows each
 *   ws  filter load: rows 0…ur−1, uc reads a row      ifmap   ur ports from row R, T rows
 *       ofmap  uc ports from row 2R−1, T rows
 *   is  ifmap load: rows 0…ur−1, uc reads a row       filter  ur ports from row R, T rows
 *       ofmap  uc ports from row 2R−1, T rows
 */
export interface PortBlock {
  readonly start: number;
  readonly ports: number;
  readonly length: number;
  readonly weight: number;
}

export function portBlock(plan: LayerPlan, f: Fold, stream: SramStream): PortBlock {
  const R = plan.rows;
  switch (plan.dataflow) {
    case 'os':
      if (stream === 'ifmap') return { start: 0, ports: f.ur, length: f.t, weight: 1 };
      if (stream === 'filter') return { start: 0, ports: f.uc, length: f.t, weight: 1 };
      return { start: f.t - 1, ports: f.uc, length: f.ur, weight: 1 };
    case 'ws':
      if (stream === 'filter') return { start: 0, ports: 1, length: f.ur, weight: f.uc };
      if (stream === 'ifmap') return { start: R, ports: f.ur, length: f.t, weight: 1 };
      return { start: 2 * R - 1, ports: f.uc, length: f.t, weight: 1 };
    case 'is':
      if (stream === 'ifmap') return { start: 0, ports: 1, length: f.ur, weight: f.uc };
      if (stream === 'filter') return { start: R, ports: f.ur, length: f.t, weight: 1 };
      return { start: 2 * R - 1, ports: f.uc, length: f.t, weight: 1 };
  }
}

/** Accesses of a block in fold row `row`. */
export function accessesAt(b: PortBlock, row: number): number {
  const x = row - b.start;
  if (x < 0) return 0;
  const lo = Math.max(0, x - b.length + 1);
  const hi = Math.min(b.ports - 1, x);
  return hi >= lo ? b.weight * (hi - lo + 1) : 0;
}

/** Accesses of a block in fold rows [0, row). */
export function accessesBefore(b: PortBlock, row: number): number {
  const x = row - b.start;
  let n = 0;
  for (let p = 0; p < b.ports && p < x; p++) n += Math.min(b.length, x - p);
  return b.weight * n;
}

/** First and last (inclusive) fold rows with an access. */
export function activeRows(b: PortBlock): { first: number; last: number } {
  return { first: b.start, last: b.start + b.ports + b.length - 2 };
}

/**
 * The rows where a block's access count changes, with the new count, in row order (from 0 before
 * the first). Port starts are rows start + [0, ports), ends start + length + [0, ports); the count
 * only changes at those rows, so a fold costs O(ports) however long it is.
 */
export function forEachChange(b: PortBlock, fn: (row: number, accesses: number) => void): void {
  let prev = 0;
  const visit = (x: number): void => {
    const v = accessesAt(b, b.start + x);
    if (v !== prev) {
      fn(b.start + x, v);
      prev = v;
    }
  };
  for (let x = 0; x < b.ports; x++) visit(x);
  for (let x = Math.max(b.ports, b.length); x < b.length + b.ports; x++) visit(x);
}

export const SRAM_STREAMS: readonly SramStream[] = ['ifmap', 'filter', 'ofmap'];

/**
 * Walks a layer's folds in order with their place on the (layer-relative) cycle axis. After
 * `next()` returns true the fields describe fold `index`: segment k runs fold rows
 * [segRow[k], segRow[k+1]) back to back from cycle segCycle[k] (the last one up to the fold's
 * length); before segment k ≥ 1 the array stalls over [busyEnd(k−1), segCycle[k]), waiting for DRAM
 * data until readUntil[k] and for the ofmap buffer after it.
 */
export class FoldWalker {
  index = -1;
  fold: Fold | undefined = undefined;
  readonly segRow: number[] = [];
  readonly segCycle: number[] = [];
  readonly readUntil: number[] = [];
  segments = 0;
  /** First cycle of the fold and the cycle after its last row. */
  start = 0;
  end = 0;
  private entry = 0;
  private ci = 0;
  private cf = 0;
  private readonly readyI: Float64Array;
  private readonly readyF: Float64Array;

  constructor(
    readonly plan: LayerPlan,
    spec: SystolicSpec,
    private readonly tl: Timeline,
  ) {
    // when each fetched chunk is usable (chunks without a transfer are ready when first needed)
    this.readyI = new Float64Array(plan.ifmapChunks.length).fill(-Infinity);
    this.readyF = new Float64Array(plan.filterChunks.length).fill(-Infinity);
    for (let i = 0; i < tl.readStream.length; i++) {
      const ready = tl.readStream[i] === 0 ? this.readyI : this.readyF;
      ready[tl.readChunk[i]!] = tl.readEnd[i]! + spec.dramLatencyCycles;
    }
  }

  /** Go to the next fold; false after the last. */
  next(): boolean {
    const fi = ++this.index;
    const { plan, tl } = this;
    const f = plan.folds[fi];
    this.fold = f;
    if (f === undefined) return false;
    let e = this.entry;
    if (tl.rowFold[e] !== fi) throw new Error(`trace: the timeline has no entry for fold ${fi}`);
    const { segRow, segCycle, readUntil } = this;
    let k = 0;
    for (; e < tl.rowFold.length && tl.rowFold[e] === fi; e++, k++) {
      const row = tl.rowRow[e]!;
      const c = tl.rowCycle[e]!;
      segRow[k] = row;
      segCycle[k] = c;
      if (k === 0) {
        readUntil[k] = c;
        continue;
      }
      // E's split of this stall: DRAM data first, then the ofmap half
      const c0 = segCycle[k - 1]! + row - segRow[k - 1]!;
      let need = c0;
      const ri = this.firstDemand(plan.ifmapChunks, this.readyI, fi, row, true);
      const rf = this.firstDemand(plan.filterChunks, this.readyF, fi, row, false);
      need = Math.max(need, ri, rf);
      readUntil[k] = Math.min(c, need);
    }
    this.entry = e;
    this.segments = k;
    this.start = segCycle[0]!;
    this.end = segCycle[k - 1]! + f.length - segRow[k - 1]!;
    return true;
  }

  /** Ready cycle of the chunk of a stream first demanded at (fold, row), or −∞ if none is. */
  private firstDemand(
    chunks: readonly Chunk[],
    ready: Float64Array,
    fold: number,
    row: number,
    ifmap: boolean,
  ): number {
    let i = ifmap ? this.ci : this.cf;
    for (;;) {
      const ch = chunks[i];
      if (ch === undefined || ch.fold > fold || (ch.fold === fold && ch.row >= row)) break;
      i++;
    }
    let r = -Infinity;
    const ch = chunks[i];
    if (ch !== undefined && ch.fold === fold && ch.row === row) {
      r = ready[i]!;
      i++; // E takes one chunk per stream per stalled row
    }
    if (ifmap) this.ci = i;
    else this.cf = i;
    return r;
  }

  /** The cycle after segment k's last row. */
  busyEnd(k: number): number {
    const f = this.fold!;
    const r1 = k + 1 < this.segments ? this.segRow[k + 1]! : f.length;
    return this.segCycle[k]! + r1 - this.segRow[k]!;
  }

  /** The cycle in which fold row `row` runs. */
  cycleOf(row: number): number {
    // the last segment starting at or before `row` (binary search: a fold may stall many times)
    let lo = 0;
    let hi = this.segments - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.segRow[mid]! <= row) lo = mid;
      else hi = mid - 1;
    }
    return this.segCycle[lo]! + row - this.segRow[lo]!;
  }

  /** Rows of the fold that ran before cycle `cycle`. */
  rowsBefore(cycle: number): number {
    for (let k = 0; k < this.segments; k++) {
      const c = this.segCycle[k]!;
      if (cycle <= c) return this.segRow[k]!;
      const end = this.busyEnd(k);
      if (cycle < end) return this.segRow[k]! + cycle - c;
    }
    return this.fold!.length;
  }

  /**
   * A block's access count on the cycle axis: calls fn(cycle, accesses) at each change, in cycle
   * order (0 while stalled; values at equal cycles: the last one holds).
   */
  sramChanges(b: PortBlock, fn: (cycle: number, accesses: number) => void): void {
    const rows: number[] = [];
    const vals: number[] = [];
    forEachChange(b, (row, v) => {
      rows.push(row);
      vals.push(v);
    });
    let i = 0;
    let current = 0; // value at the row being entered
    for (let k = 0; k < this.segments; k++) {
      const r0 = this.segRow[k]!;
      const r1 = k + 1 < this.segments ? this.segRow[k + 1]! : this.fold!.length;
      const c = this.segCycle[k]!;
      while (i < rows.length && rows[i]! <= r0) current = vals[i++]!;
      if (r1 > r0) fn(c, current);
      while (i < rows.length && rows[i]! < r1) {
        current = vals[i++]!;
        fn(c + rows[i - 1]! - r0, current);
      }
      fn(c + r1 - r0, 0); // a stall, or the end of the fold
    }
  }
}
