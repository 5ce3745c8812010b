/**
 * The systolic schedule of one layer: folds, the per-fold timing of SCALE-Sim v2's demand model
 * (reference/scalesim.md §1.2–1.3), and the streams of DRAM fetches ("chunks") that feed the
 * double-buffered SRAMs. Both the reference stepper (R) and the event engine (E) run from this plan,
 * so they agree on what is fetched; they differ only in how time is advanced. See docs/systolic.md.
 *
 * Fold order: segments (groups / images / matmul batches) outer, then column folds, then row folds
 * (SCALE-Sim's order). Fold rows (cycles) per dataflow, with R×C the array:
 *   os: L = K + R + C − 2   ifmap (m, k) enters row i at row k + i; filter (k, n) enters column j
 *                           at row k + j; PE(i,j) MACs k at row k+i+j; its output leaves at K−1+i+j.
 *   ws: L = M + 2R + C − 2  weights load in rows 0…R−1; ifmap (m, k) enters row i at R + m + i;
 *                           output m of column j leaves at 2R − 1 + m + j.
 *   is: L = N + 2R + C − 2  ifmap tile loads in rows 0…R−1; filter (k, n) enters row i at R + n + i;
 *                           output n of column j leaves at 2R − 1 + n + j.
 */
import type { GemmSegment, GemmView } from '../../mapping/gemm.js';
import { TargetConfigError } from '../errors.js';
import type { Dataflow, SystolicSpec } from './spec.js';

/** Bytes of one element of each operand (fractional for sub-byte formats). */
export interface OperandBytes {
  readonly ifmap: number;
  readonly filter: number;
  /** Final outputs (activation format). */
  readonly ofmap: number;
  /** Partial sums (accumulator format), written when K is split over row folds in ws/is. */
  readonly psum: number;
}

/** One DRAM fetch feeding one operand buffer. */
export interface Chunk {
  /** Global fold index and fold row at which the chunk is first needed. */
  readonly fold: number;
  readonly row: number;
  /**
   * Temporal range [t0, t1) of the fold this chunk feeds (k for os, m for ws ifmap, n for is
   * filter); a stationary tile (ws weights, is inputs) has t0 = t1 = −1: it is needed by the load.
   */
  readonly t0: number;
  readonly t1: number;
  /** Bytes moved from DRAM (0 when the data is already on chip). */
  readonly bytes: number;
  /** Elements written into the SRAM by this fetch. */
  readonly elements: number;
}

export interface Fold {
  readonly segment: number;
  readonly fr: number;
  readonly fc: number;
  /** Used rows / columns of the array in this fold. */
  readonly ur: number;
  readonly uc: number;
  /** Rows (cycles) of the fold without stalls. */
  readonly length: number;
  /** Temporal extent T (K for os, M for ws, N for is). */
  readonly t: number;
  /** Output pattern: fold row of the first output, and how many outputs each used column emits. */
  readonly outBase: number;
  readonly outPerColumn: number;
}

export interface LayerPlan {
  readonly dataflow: Dataflow;
  readonly rows: number;
  readonly cols: number;
  readonly folds: readonly Fold[];
  /** Per-operand fetch streams in demand order. */
  readonly ifmapChunks: readonly Chunk[];
  readonly filterChunks: readonly Chunk[];
  /** Ofmap buffer half in words, and bytes per ofmap word for this layer. */
  readonly ofmapHalfWords: number;
  readonly ofmapWordBytes: number;
  /** True when ws/is split K over row folds, so the array writes partial sums. */
  readonly writesPartialSums: boolean;
  readonly rowFolds: number;
  readonly colFolds: number;
}

/** A configuration that cannot run this layer (e.g. an SRAM too small for one fold). */
export class PlanError extends TargetConfigError {
  override readonly name = 'PlanError';
}

export function foldLength(dataflow: Dataflow, t: number, r: number, c: number): number {
  return dataflow === 'os' ? t + r + c - 2 : t + 2 * r + c - 2;
}

/** Spatial rows/cols and temporal extent of a segment for a dataflow (scalesim.md §1.2). */
export function mapping(dataflow: Dataflow, seg: GemmSegment): { sr: number; sc: number; t: number } {
  switch (dataflow) {
    case 'os':
      return { sr: seg.m, sc: seg.n, t: seg.k };
    case 'ws':
      return { sr: seg.k, sc: seg.n, t: seg.m };
    case 'is':
      return { sr: seg.k, sc: seg.m, t: seg.n };
  }
}

const halfElements = (bytes: number, elementBytes: number): number => Math.floor(bytes / 2 / elementBytes);

export function buildPlan(view: GemmView, spec: SystolicSpec, eb: OperandBytes): LayerPlan {
  const { rows: R, cols: C, dataflow } = spec;
  const hi = halfElements(spec.ifmapSramBytes, eb.ifmap);
  const hf = halfElements(spec.filterSramBytes, eb.filter);
  const folds: Fold[] = [];
  let rowFolds = 0;
  let colFolds = 0;
  for (const seg of view.segments) {
    const { sr, sc, t } = mapping(dataflow, seg);
    const fr = Math.ceil(sr / R);
    const fc = Math.ceil(sc / C);
    rowFolds = Math.max(rowFolds, fr);
    colFolds = Math.max(colFolds, fc);
    const length = foldLength(dataflow, t, R, C);
    for (let c = 0; c < fc; c++) {
      for (let r = 0; r < fr; r++) {
        const ur = Math.min(R, sr - r * R);
        const uc = Math.min(C, sc - c * C);
        const outBase = dataflow === 'os' ? t - 1 : 2 * R - 1;
        const outPerColumn = dataflow === 'os' ? ur : t;
        folds.push({ segment: seg.index, fr: r, fc: c, ur, uc, length, t, outBase, outPerColumn });
      }
    }
  }
  const writesPartialSums = dataflow !== 'os' && rowFolds > 1;
  const ofmapWordBytes = writesPartialSums ? eb.psum : eb.ofmap;
  const ofmapHalfWords = halfElements(spec.ofmapSramBytes, ofmapWordBytes);
  if (ofmapHalfWords < C) {
    throw new PlanError(
      'sram.ofmap_kib',
      `${spec.ofmapSramBytes / 1024} KiB (half = ${ofmapHalfWords} words of ${ofmapWordBytes} B)`,
      `a half buffer of at least one row of outputs: ${C} words, i.e. ofmap_kib ≥ ${(2 * C * ofmapWordBytes) / 1024}`,
    );
  }
  const streams = new ChunkBuilder(view, spec, eb, hi, hf);
  folds.forEach((f, i) => {
    streams.addFold(f, i);
  });
  return {
    dataflow,
    rows: R,
    cols: C,
    folds,
    ifmapChunks: streams.ifmap,
    filterChunks: streams.filter,
    ofmapHalfWords,
    ofmapWordBytes,
    writesPartialSums,
    rowFolds,
    colFolds,
  };
}

/**
 * Builds the two fetch streams. Chunks split a fold's streaming operand along the temporal axis so
 * that one chunk fits in half the buffer (the other half takes the prefetch); a stationary tile
 * (ws weights, is inputs) is one chunk per fold. What a chunk costs in DRAM:
 *  - an operand whose whole tensor fits in half its SRAM is fetched once and kept: a chunk fetches
 *    only elements no earlier chunk brought;
 *  - otherwise a chunk fetches its distinct elements, unless the previous chunk of that stream
 *    covered exactly the same data (then nothing moves).
 * Padded im2col positions are zeros made on chip: never fetched.
 */
class ChunkBuilder {
  readonly ifmap: Chunk[] = [];
  readonly filter: Chunk[] = [];
  private readonly ifmapResident: boolean;
  private readonly filterResident: boolean;
  private readonly seenIfmap: Uint8Array | undefined;
  private readonly scratch: FootprintScratch;
  // chunk identities as numbers: a chunk is fixed by (segment or weight slot, first row, first column)
  // of its block because chunk lengths depend only on the fold, which those determine
  private readonly ifmapCache = new Map<number, number>();
  private readonly filterVisited = new Set<number>();
  private lastIfmapKey = -1;
  private lastFilterKey = -1;
  private readonly segs: Map<number, GemmSegment>;

  constructor(
    private readonly view: GemmView,
    private readonly spec: SystolicSpec,
    private readonly eb: OperandBytes,
    private readonly hi: number,
    private readonly hf: number,
  ) {
    this.ifmapResident = view.aElements <= hi;
    this.filterResident = view.bElements <= hf;
    this.seenIfmap = this.ifmapResident ? new Uint8Array(view.aElements) : undefined;
    this.scratch = footprintScratch(view);
    this.segs = new Map(view.segments.map((s) => [s.index, s]));
  }

  addFold(f: Fold, index: number): void {
    const seg = this.segs.get(f.segment)!;
    const R = this.spec.rows;
    const C = this.spec.cols;
    switch (this.spec.dataflow) {
      case 'os': {
        // ifmap: ur words per temporal step; filter: uc words per step
        const ki = this.stepsPerChunk(this.hi, f.ur, 'sram.ifmap_kib', this.eb.ifmap);
        const kf = this.stepsPerChunk(this.hf, f.uc, 'sram.filter_kib', this.eb.filter);
        const m0 = f.fr * R;
        const n0 = f.fc * C;
        for (let k0 = 0; k0 < seg.k; k0 += ki) {
          const k1 = Math.min(seg.k, k0 + ki);
          this.pushIfmap(seg, index, k0, k0, k1, m0, m0 + f.ur, k0, k1);
        }
        for (let k0 = 0; k0 < seg.k; k0 += kf) {
          const k1 = Math.min(seg.k, k0 + kf);
          this.pushFilter(seg, index, k0, k0, k1, k0, k1, n0, n0 + f.uc);
        }
        return;
      }
      case 'ws': {
        const k0 = f.fr * R;
        const n0 = f.fc * C;
        this.checkStationary(f.ur * f.uc, this.hf, 'sram.filter_kib', this.eb.filter);
        this.pushFilter(seg, index, 0, -1, -1, k0, k0 + f.ur, n0, n0 + f.uc);
        const mi = this.stepsPerChunk(this.hi, f.ur, 'sram.ifmap_kib', this.eb.ifmap);
        for (let m = 0; m < seg.m; m += mi) {
          const m1 = Math.min(seg.m, m + mi);
          this.pushIfmap(seg, index, R + m, m, m1, m, m1, k0, k0 + f.ur);
        }
        return;
      }
      case 'is': {
        const k0 = f.fr * R;
        const m0 = f.fc * C;
        this.checkStationary(f.ur * f.uc, this.hi, 'sram.ifmap_kib', this.eb.ifmap);
        this.pushIfmap(seg, index, 0, -1, -1, m0, m0 + f.uc, k0, k0 + f.ur);
        const ni = this.stepsPerChunk(this.hf, f.ur, 'sram.filter_kib', this.eb.filter);
        for (let n = 0; n < seg.n; n += ni) {
          const n1 = Math.min(seg.n, n + ni);
          this.pushFilter(seg, index, R + n, n, n1, k0, k0 + f.ur, n, n1);
        }
        return;
      }
    }
  }

  private stepsPerChunk(half: number, perStep: number, field: string, elementBytes: number): number {
    if (half < perStep) {
      throw new PlanError(
        field,
        `half = ${half} elements`,
        `room for one fold step of ${perStep} elements (${(2 * perStep * elementBytes) / 1024} KiB or more)`,
      );
    }
    return Math.floor(half / perStep);
  }

  private checkStationary(elements: number, half: number, field: string, elementBytes: number): void {
    if (half < elements) {
      throw new PlanError(
        field,
        `half = ${half} elements`,
        `room for one fold's stationary tile of ${elements} elements (${(2 * elements * elementBytes) / 1024} KiB or more)`,
      );
    }
  }

  /** Chunk of the ifmap stream: temporal range [t0, t1), im2col block [m0, m1) × [k0, k1). */
  private pushIfmap(
    seg: GemmSegment,
    fold: number,
    row: number,
    t0: number,
    t1: number,
    m0: number,
    m1: number,
    k0: number,
    k1: number,
  ): void {
    const key = (seg.index * (seg.m + 1) + m0) * (seg.k + 1) + k0;
    let elements: number;
    if (this.ifmapResident) {
      elements = this.ifmapCache.has(key) ? 0 : this.markNew(seg, m0, m1, k0, k1);
      this.ifmapCache.set(key, 0);
    } else if (key === this.lastIfmapKey) {
      elements = 0;
    } else {
      let cached = this.ifmapCache.get(key);
      if (cached === undefined) {
        cached = im2colFootprint(this.view, seg, m0, m1, k0, k1, this.scratch);
        this.ifmapCache.set(key, cached);
      }
      elements = cached;
    }
    this.lastIfmapKey = key;
    this.ifmap.push({ fold, row, t0, t1, bytes: bytesOf(elements, this.eb.ifmap), elements });
  }

  /** Chunk of the filter stream: temporal range [t0, t1), weight block [k0, k1) × [n0, n1). */
  private pushFilter(
    seg: GemmSegment,
    fold: number,
    row: number,
    t0: number,
    t1: number,
    k0: number,
    k1: number,
    n0: number,
    n1: number,
  ): void {
    const slot = seg.index % this.view.bSlots;
    const key = (slot * (seg.k + 1) + k0) * (seg.n + 1) + n0;
    const size = (k1 - k0) * (n1 - n0);
    let elements: number;
    if (this.filterResident) {
      elements = this.filterVisited.has(key) ? 0 : size;
      this.filterVisited.add(key);
    } else {
      elements = key === this.lastFilterKey ? 0 : size;
    }
    this.lastFilterKey = key;
    this.filter.push({ fold, row, t0, t1, bytes: bytesOf(elements, this.eb.filter), elements });
  }

  /** Elements of an im2col block not fetched before (resident operand). */
  private markNew(seg: GemmSegment, m0: number, m1: number, k0: number, k1: number): number {
    const g = this.view.conv;
    if (g === undefined) return (m1 - m0) * (k1 - k0); // chunks of a matrix never overlap
    const seen = this.seenIfmap!;
    const cg = g.inChannels / g.groups;
    const image = Math.floor(seg.index / g.groups);
    const chBase = (seg.index % g.groups) * cg;
    let count = 0;
    for (let mm = m0; mm < m1; mm++) {
      const oy = Math.floor(mm / g.outW);
      const ox = mm - oy * g.outW;
      const r0 = oy * g.strideH - g.padTop;
      const col0 = ox * g.strideW - g.padLeft;
      for (let kk = k0; kk < k1; kk++) {
        const ch = kk % cg;
        const w = (kk - ch) / cg;
        const j = w % g.kw;
        const r = r0 + ((w - j) / g.kw) * g.dilationH;
        const col = col0 + j * g.dilationW;
        if (r < 0 || r >= g.inH || col < 0 || col >= g.inW) continue;
        const a = ((image * g.inH + r) * g.inW + col) * g.inChannels + chBase + ch;
        if (seen[a] === 0) {
          seen[a] = 1;
          count++;
        }
      }
    }
    return count;
  }
}

/** Reusable marks for footprint counting (one per layer; no allocation per chunk). */
export interface FootprintScratch {
  readonly stamp: Int32Array;
  generation: number;
}

export function footprintScratch(view: GemmView): FootprintScratch {
  const g = view.conv;
  return { stamp: new Int32Array(g === undefined ? 0 : g.inH * g.inW), generation: 0 };
}

/**
 * Distinct ifmap elements of the im2col block rows m[0]…m[1]−1 × columns k[0]…k[1]−1 of a segment
 * (padding excluded), without visiting every element. k = (window position w, channel c), channel
 * innermost, so a k-range is a partial first position (channels c0…), full middle positions and a
 * partial last one (channels …c1). Channels fall into at most four classes by which positions
 * include them, and every channel of a class touches the same pixels. Cost: outputs × positions.
 */
export function im2colFootprint(
  view: GemmView,
  _seg: GemmSegment,
  m0: number,
  m1: number,
  k0: number,
  k1: number,
  scratch: FootprintScratch,
): number {
  const g = view.conv;
  if (g === undefined) return (m1 - m0) * (k1 - k0); // a plain matrix has no duplicates
  if (m1 <= m0 || k1 <= k0) return 0;
  const cg = g.inChannels / g.groups;
  const w0 = Math.floor(k0 / cg);
  const c0 = k0 - w0 * cg;
  const w1 = Math.floor((k1 - 1) / cg);
  const c1 = k1 - w1 * cg; // exclusive end channel within the last position
  const px = (wa: number, wb: number): number => windowPixels(g, m0, m1, wa, wb, scratch);
  if (w0 === w1) return (c1 - c0) * px(w0, w0);
  const inBoth = Math.max(0, c1 - c0); // in the first and the last position (and all between)
  const firstOnly = cg - Math.max(c0, c1);
  const lastOnly = Math.min(c0, c1);
  const middleOnly = Math.max(0, c0 - c1);
  let total = 0;
  if (inBoth > 0) total += inBoth * px(w0, w1);
  if (firstOnly > 0) total += firstOnly * px(w0, w1 - 1);
  if (lastOnly > 0) total += lastOnly * px(w0 + 1, w1);
  if (middleOnly > 0 && w1 - w0 >= 2) total += middleOnly * px(w0 + 1, w1 - 1);
  return total;
}

/** Distinct input pixels covered by window positions wa…wb of the outputs m[0]…m[1]−1. */
function windowPixels(
  g: NonNullable<GemmView['conv']>,
  m0: number,
  m1: number,
  wa: number,
  wb: number,
  scratch: FootprintScratch,
): number {
  const gen = ++scratch.generation;
  const stamp = scratch.stamp;
  let count = 0;
  for (let mm = m0; mm < m1; mm++) {
    const oy = Math.floor(mm / g.outW);
    const ox = mm - oy * g.outW;
    const r0 = oy * g.strideH - g.padTop;
    const c0 = ox * g.strideW - g.padLeft;
    for (let w = wa; w <= wb; w++) {
      const j = w % g.kw;
      const r = r0 + ((w - j) / g.kw) * g.dilationH;
      const col = c0 + j * g.dilationW;
      if (r < 0 || r >= g.inH || col < 0 || col >= g.inW) continue;
      const p = r * g.inW + col;
      if (stamp[p] !== gen) {
        stamp[p] = gen;
        count++;
      }
    }
  }
  return count;
}

/** Cycles to move `bytes` at `bandwidth` bytes per cycle (0 for nothing, or unlimited bandwidth). */
export function transferCycles(bytes: number, bandwidth: number): number {
  return bytes <= 0 ? 0 : Math.ceil(bytes / bandwidth);
}

export function bytesOf(elements: number, elementBytes: number): number {
  return Math.ceil(elements * elementBytes);
}

/** tri(x) = x(x+1)/2 for x > 0, else 0. */
function tri(x: number): number {
  return x > 0 ? (x * (x + 1)) / 2 : 0;
}

/** Pairs (a, j) in [0,P)×[0,Q) with a + j ≤ s: outputs a fold has emitted by row base + s. */
export function outputsThrough(s: number, p: number, q: number): number {
  if (s < 0) return 0;
  return tri(s + 1) - tri(s + 1 - p) - tri(s + 1 - q) + tri(s + 1 - p - q);
}

/** Outputs emitted at exactly fold row `row`. */
export function outputsAt(f: Fold, row: number): number {
  const s = row - f.outBase;
  return outputsThrough(s, f.outPerColumn, f.uc) - outputsThrough(s - 1, f.outPerColumn, f.uc);
}

/** Total outputs of a fold. */
export function foldOutputs(f: Fold): number {
  return f.outPerColumn * f.uc;
}
