/**
 * The SRAM side of a systolic layer, line by line: which address each array-edge port reads or
 * writes at each fold row, straight from the dataflow definitions of targets/systolic/plan.ts (and
 * reference.ts, which executes them PE by PE). With m0/n0/k0 the first spatial index of the fold,
 * ur/uc its used rows/cols, R the array rows:
 *
 *   os  IFMAP  (R ports)  port i < ur reads A(m0+i, k) at row k + i
 *       FILTER (C ports)  port j < uc reads B(k, n0+j) at row k + j
 *       OFMAP  (C ports)  PE(i, j) writes O(m0+i, n0+j) at row K−1 + i + j, through port j
 *   ws  FILTER (C ports)  weights load in rows 0…ur−1, bottom PE row first: row t, port j reads
 *                         B(k0 + ur−1−t, n0+j)
 *       IFMAP  (R ports)  port i < ur reads A(m, k0+i) at row R + m + i
 *       OFMAP  (C ports)  port j writes O(m, n0+j) at row 2R−1 + m + j (a partial sum per row fold)
 *   is  IFMAP  (C ports)  inputs load in rows 0…ur−1, bottom PE row first: row t, port j reads
 *                         A(m0+j, k0 + ur−1−t)
 *       FILTER (R ports)  port i < ur reads B(k0+i, n) at row R + n + i
 *       OFMAP  (C ports)  port j writes O(m0+j, n) at row 2R−1 + n + j (a partial sum per row fold)
 *
 * Each generator walks folds and only the rows that can be active (arithmetically: no arrays
 * proportional to cycles), fills `line.addr` (offset added, −1 for an idle port or a padded im2col
 * position) and yields the lines that have at least one access.
 */
import type { GemmSegment, GemmView } from '../../mapping/gemm.js';
import type { Fold, LayerPlan } from '../../targets/systolic/plan.js';
import type { Dataflow } from '../../targets/systolic/spec.js';
import { filterBase, IfmapAddresses, ofmapBase } from './addresses.js';

export type SramStream = 'ifmap' | 'filter' | 'ofmap';

/** One trace line: fold index and fold row, and the address at every port. */
export interface SramLine {
  fold: number;
  row: number;
  readonly addr: Float64Array;
}

/** Ports of a stream (SCALE-Sim's trace columns): IFMAP R in os/ws, C in is; FILTER C in os/ws, R in is; OFMAP C. */
export function sramPorts(dataflow: Dataflow, stream: SramStream, rows: number, cols: number): number {
  if (stream === 'ofmap') return cols;
  if (dataflow === 'is') return stream === 'ifmap' ? cols : rows;
  return stream === 'ifmap' ? rows : cols;
}

export interface SramContext {
  readonly plan: LayerPlan;
  readonly view: GemmView;
  readonly ifmapOffset: number;
  readonly filterOffset: number;
  readonly ofmapOffset: number;
}

function segmentsOf(view: GemmView): Map<number, GemmSegment> {
  return new Map(view.segments.map((s) => [s.index, s]));
}

function segmentOf(segs: Map<number, GemmSegment>, f: Fold): GemmSegment {
  const s = segs.get(f.segment);
  if (s === undefined) throw new Error(`trace: fold refers to segment ${f.segment}, which the GEMM view lacks`);
  return s;
}

/** The lines of one SRAM stream in fold/row order (a reused `SramLine`: read it before the next step). */
export function sramLines(ctx: SramContext, stream: SramStream): Generator<SramLine, void, undefined> {
  const { plan } = ctx;
  switch (stream) {
    case 'ifmap':
      return plan.dataflow === 'os' ? osIfmap(ctx) : plan.dataflow === 'ws' ? wsIfmap(ctx) : isIfmap(ctx);
    case 'filter':
      return plan.dataflow === 'os' ? osFilter(ctx) : plan.dataflow === 'ws' ? wsFilter(ctx) : isFilter(ctx);
    case 'ofmap':
      return plan.dataflow === 'os' ? osOfmap(ctx) : stationaryOfmap(ctx);
  }
}

function newLine(ctx: SramContext, stream: SramStream): SramLine {
  const { plan } = ctx;
  return { fold: 0, row: 0, addr: new Float64Array(sramPorts(plan.dataflow, stream, plan.rows, plan.cols)).fill(-1) };
}

function* osIfmap(ctx: SramContext): Generator<SramLine, void, undefined> {
  const { plan } = ctx;
  const line = newLine(ctx, 'ifmap');
  const addr = line.addr;
  const A = new IfmapAddresses(ctx.view, Math.max(plan.rows, plan.cols));
  const segs = segmentsOf(ctx.view);
  const off = ctx.ifmapOffset;
  for (let fi = 0; fi < plan.folds.length; fi++) {
    const f = plan.folds[fi]!;
    A.setSegment(segmentOf(segs, f));
    const m0 = f.fr * plan.rows;
    for (let i = 0; i < f.ur; i++) A.setSlot(i, m0 + i);
    const K = f.t;
    for (let t = 0; t < K + f.ur - 1; t++) {
      const lo = Math.max(0, t - K + 1);
      const hi = Math.min(f.ur - 1, t);
      let valid = 0;
      addr.fill(-1);
      for (let i = lo; i <= hi; i++) {
        const a = A.at(i, t - i);
        if (a >= 0) {
          addr[i] = off + a;
          valid++;
        }
      }
      if (valid > 0) {
        line.fold = fi;
        line.row = t;
        yield line;
      }
    }
  }
}

function* osFilter(ctx: SramContext): Generator<SramLine, void, undefined> {
  const { plan } = ctx;
  const line = newLine(ctx, 'filter');
  const addr = line.addr;
  const segs = segmentsOf(ctx.view);
  for (let fi = 0; fi < plan.folds.length; fi++) {
    const f = plan.folds[fi]!;
    const seg = segmentOf(segs, f);
    const K = f.t;
    const base = ctx.filterOffset + filterBase(ctx.view, seg) + f.fc * plan.cols * K;
    for (let t = 0; t < K + f.uc - 1; t++) {
      const lo = Math.max(0, t - K + 1);
      const hi = Math.min(f.uc - 1, t);
      addr.fill(-1);
      for (let j = lo; j <= hi; j++) addr[j] = base + j * K + (t - j);
      line.fold = fi;
      line.row = t;
      yield line;
    }
  }
}

function* osOfmap(ctx: SramContext): Generator<SramLine, void, undefined> {
  const { plan } = ctx;
  const line = newLine(ctx, 'ofmap');
  const addr = line.addr;
  const segs = segmentsOf(ctx.view);
  for (let fi = 0; fi < plan.folds.length; fi++) {
    const f = plan.folds[fi]!;
    const seg = segmentOf(segs, f);
    const N = seg.n;
    const base = ctx.ofmapOffset + ofmapBase(seg) + f.fr * plan.rows * N + f.fc * plan.cols;
    const first = f.t - 1;
    // PE(i, j) leaves at first + i + j; at row first + s, port j carries PE row i = s − j
    for (let s = 0; s < f.ur + f.uc - 1; s++) {
      const lo = Math.max(0, s - f.ur + 1);
      const hi = Math.min(f.uc - 1, s);
      addr.fill(-1);
      for (let j = lo; j <= hi; j++) addr[j] = base + (s - j) * N + j;
      line.fold = fi;
      line.row = first + s;
      yield line;
    }
  }
}

function* wsFilter(ctx: SramContext): Generator<SramLine, void, undefined> {
  const { plan } = ctx;
  const line = newLine(ctx, 'filter');
  const addr = line.addr;
  const segs = segmentsOf(ctx.view);
  for (let fi = 0; fi < plan.folds.length; fi++) {
    const f = plan.folds[fi]!;
    const seg = segmentOf(segs, f);
    const K = seg.k;
    const k0 = f.fr * plan.rows;
    const base = ctx.filterOffset + filterBase(ctx.view, seg) + f.fc * plan.cols * K;
    addr.fill(-1);
    for (let t = 0; t < f.ur; t++) {
      const k = k0 + f.ur - 1 - t;
      for (let j = 0; j < f.uc; j++) addr[j] = base + j * K + k;
      line.fold = fi;
      line.row = t;
      yield line;
    }
  }
}

function* wsIfmap(ctx: SramContext): Generator<SramLine, void, undefined> {
  const { plan } = ctx;
  const R = plan.rows;
  const line = newLine(ctx, 'ifmap');
  const addr = line.addr;
  // port i at row t reads m = t − R − i: the ur active m's are consecutive, so slot m mod R is free
  const A = new IfmapAddresses(ctx.view, R);
  const segs = segmentsOf(ctx.view);
  const off = ctx.ifmapOffset;
  for (let fi = 0; fi < plan.folds.length; fi++) {
    const f = plan.folds[fi]!;
    A.setSegment(segmentOf(segs, f));
    const M = f.t;
    const k0 = f.fr * R;
    let slot0 = 0; // slot of m = t − R (port 0)
    for (let t = R; t < R + M + f.ur - 1; t++) {
      const m0 = t - R;
      if (m0 < M) A.setSlot(slot0, m0);
      const lo = Math.max(0, m0 - M + 1);
      const hi = Math.min(f.ur - 1, m0);
      let valid = 0;
      addr.fill(-1);
      for (let i = lo; i <= hi; i++) {
        const s = slot0 - i < 0 ? slot0 - i + R : slot0 - i;
        const a = A.at(s, k0 + i);
        if (a >= 0) {
          addr[i] = off + a;
          valid++;
        }
      }
      if (valid > 0) {
        line.fold = fi;
        line.row = t;
        yield line;
      }
      slot0 = slot0 + 1 === R ? 0 : slot0 + 1;
    }
  }
}

function* isIfmap(ctx: SramContext): Generator<SramLine, void, undefined> {
  const { plan } = ctx;
  const line = newLine(ctx, 'ifmap');
  const addr = line.addr;
  const A = new IfmapAddresses(ctx.view, Math.max(plan.rows, plan.cols));
  const segs = segmentsOf(ctx.view);
  const off = ctx.ifmapOffset;
  for (let fi = 0; fi < plan.folds.length; fi++) {
    const f = plan.folds[fi]!;
    A.setSegment(segmentOf(segs, f));
    const k0 = f.fr * plan.rows;
    const m0 = f.fc * plan.cols;
    for (let j = 0; j < f.uc; j++) A.setSlot(j, m0 + j);
    for (let t = 0; t < f.ur; t++) {
      const k = k0 + f.ur - 1 - t;
      let valid = 0;
      addr.fill(-1);
      for (let j = 0; j < f.uc; j++) {
        const a = A.at(j, k);
        if (a >= 0) {
          addr[j] = off + a;
          valid++;
        }
      }
      if (valid > 0) {
        line.fold = fi;
        line.row = t;
        yield line;
      }
    }
  }
}

function* isFilter(ctx: SramContext): Generator<SramLine, void, undefined> {
  const { plan } = ctx;
  const R = plan.rows;
  const line = newLine(ctx, 'filter');
  const addr = line.addr;
  const segs = segmentsOf(ctx.view);
  for (let fi = 0; fi < plan.folds.length; fi++) {
    const f = plan.folds[fi]!;
    const seg = segmentOf(segs, f);
    const K = seg.k;
    const N = f.t;
    const base = ctx.filterOffset + filterBase(ctx.view, seg) + f.fr * R;
    for (let t = R; t < R + N + f.ur - 1; t++) {
      const s = t - R;
      const lo = Math.max(0, s - N + 1);
      const hi = Math.min(f.ur - 1, s);
      addr.fill(-1);
      for (let i = lo; i <= hi; i++) addr[i] = base + (s - i) * K + i;
      line.fold = fi;
      line.row = t;
      yield line;
    }
  }
}

/** ws and is: port j writes temporal index τ (m for ws, n for is) at row 2R−1 + τ + j. */
function* stationaryOfmap(ctx: SramContext): Generator<SramLine, void, undefined> {
  const { plan } = ctx;
  const R = plan.rows;
  const ws = plan.dataflow === 'ws';
  const line = newLine(ctx, 'ofmap');
  const addr = line.addr;
  const segs = segmentsOf(ctx.view);
  for (let fi = 0; fi < plan.folds.length; fi++) {
    const f = plan.folds[fi]!;
    const seg = segmentOf(segs, f);
    const N = seg.n;
    const T = f.t;
    const s0 = f.fc * plan.cols; // first column's n (ws) or m (is)
    const base = ctx.ofmapOffset + ofmapBase(seg) + (ws ? s0 : s0 * N);
    // ws: O(τ, s0 + j) = base + τ·N + j; is: O(s0 + j, τ) = base + j·N + τ
    const stepT = ws ? N : 1;
    const stepJ = ws ? 1 : N;
    for (let s = 0; s < T + f.uc - 1; s++) {
      const lo = Math.max(0, s - T + 1);
      const hi = Math.min(f.uc - 1, s);
      addr.fill(-1);
      for (let j = lo; j <= hi; j++) addr[j] = base + (s - j) * stepT + j * stepJ;
      line.fold = fi;
      line.row = 2 * R - 1 + s;
      yield line;
    }
  }
}
