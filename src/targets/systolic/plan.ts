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
export class PlanError extends Error {
  constructor(
    readonly field: string,
    readonly value: string,
    readonly expected: string,
  ) {
    super(`${field}: got ${value}; expected ${expected}`);
    this.name = 'PlanError';
  }
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
  private readonly stamp: Int32Array;
  private generation = 0;
  private readonly ifmapCache = new Map<string, number>();
  private readonly filterVisited = new Set<string>();
  private lastIfmapKey = '';
  private lastFilterKey = '';
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
    this.stamp = new Int32Array(view.aElements);
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
          this.pushIfmap(seg, index, k0, [k0, k1], [m0, m0 + f.ur], [k0, k1]);
        }
        for (let k0 = 0; k0 < seg.k; k0 += kf) {
          const k1 = Math.min(seg.k, k0 + kf);
          this.pushFilter(seg, index, k0, [k0, k1], [k0, k1], [n0, n0 + f.uc]);
        }
        return;
      }
      case 'ws': {
        const k0 = f.fr * R;
        const n0 = f.fc * C;
        this.checkStationary(f.ur * f.uc, this.hf, 'sram.filter_kib', this.eb.filter);
        this.pushFilter(seg, index, 0, [-1, -1], [k0, k0 + f.ur], [n0, n0 + f.uc]);
        const mi = this.stepsPerChunk(this.hi, f.ur, 'sram.ifmap_kib', this.eb.ifmap);
        for (let m = 0; m < seg.m; m += mi) {
          const m1 = Math.min(seg.m, m + mi);
          this.pushIfmap(seg, index, R + m, [m, m1], [m, m1], [k0, k0 + f.ur]);
        }
        return;
      }
      case 'is': {
        const k0 = f.fr * R;
        const m0 = f.fc * C;
        this.checkStationary(f.ur * f.uc, this.hi, 'sram.ifmap_kib', this.eb.ifmap);
        this.pushIfmap(seg, index, 0, [-1, -1], [m0, m0 + f.uc], [k0, k0 + f.ur]);
        const ni = this.stepsPerChunk(this.hf, f.ur, 'sram.filter_kib', this.eb.filter);
        for (let n = 0; n < seg.n; n += ni) {
          const n1 = Math.min(seg.n, n + ni);
          this.pushFilter(seg, index, R + n, [n, n1], [k0, k0 + f.ur], [n, n1]);
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

  private pushIfmap(
    seg: GemmSegment,
    fold: number,
    row: number,
    t: [number, number],
    m: [number, number],
    k: [number, number],
  ): void {
    const key = `${seg.index}:${m[0]}:${m[1]}:${k[0]}:${k[1]}`;
    let elements: number;
    if (this.ifmapResident) {
      elements = this.ifmapCache.has(key) ? 0 : this.markNew(seg, m, k);
      this.ifmapCache.set(key, 0);
    } else if (key === this.lastIfmapKey) {
      elements = 0;
    } else {
      let cached = this.ifmapCache.get(key);
      if (cached === undefined) {
        cached = this.countDistinct(seg, m, k);
        this.ifmapCache.set(key, cached);
      }
      elements = cached;
    }
    this.lastIfmapKey = key;
    this.ifmap.push({ fold, row, t0: t[0], t1: t[1], bytes: bytesOf(elements, this.eb.ifmap), elements });
  }

  private pushFilter(
    seg: GemmSegment,
    fold: number,
    row: number,
    t: [number, number],
    k: [number, number],
    n: [number, number],
  ): void {
    const slot = seg.index % this.view.bSlots;
    const key = `${slot}:${k[0]}:${k[1]}:${n[0]}:${n[1]}`;
    const size = (k[1] - k[0]) * (n[1] - n[0]);
    let elements: number;
    if (this.filterResident) elements = this.filterVisited.has(key) ? 0 : size;
    else elements = key === this.lastFilterKey ? 0 : size;
    this.filterVisited.add(key);
    this.lastFilterKey = key;
    this.filter.push({ fold, row, t0: t[0], t1: t[1], bytes: bytesOf(elements, this.eb.filter), elements });
  }

  /** Distinct ifmap elements of an im2col block (padding excluded). */
  private countDistinct(seg: GemmSegment, m: [number, number], k: [number, number]): number {
    const gen = ++this.generation;
    let count = 0;
    this.forEachAddress(seg, m, k, (a) => {
      if (this.stamp[a] !== gen) {
        this.stamp[a] = gen;
        count++;
      }
    });
    return count;
  }

  /** Elements of an im2col block not fetched before (resident operand). */
  private markNew(seg: GemmSegment, m: [number, number], k: [number, number]): number {
    const seen = this.seenIfmap!;
    let count = 0;
    this.forEachAddress(seg, m, k, (a) => {
      if (seen[a] === 0) {
        seen[a] = 1;
        count++;
      }
    });
    return count;
  }

  private forEachAddress(seg: GemmSegment, m: [number, number], k: [number, number], visit: (addr: number) => void): void {
    const g = this.view.conv;
    if (g === undefined) {
      // dense / matmul: A is a plain matrix, no duplication
      const base = seg.index * seg.m * seg.k;
      for (let mm = m[0]; mm < m[1]; mm++) {
        const row = base + mm * seg.k;
        for (let kk = k[0]; kk < k[1]; kk++) visit(row + kk);
      }
      return;
    }
    const cg = g.inChannels / g.groups;
    const image = Math.floor(seg.index / g.groups);
    const chBase = (seg.index % g.groups) * cg;
    const kn = k[1] - k[0];
    const di = new Int32Array(kn);
    const dj = new Int32Array(kn);
    const ch = new Int32Array(kn);
    for (let q = 0; q < kn; q++) {
      const kk = k[0] + q;
      const c = kk % cg;
      const w = (kk - c) / cg;
      const j = w % g.kw;
      di[q] = ((w - j) / g.kw) * g.dilationH;
      dj[q] = j * g.dilationW;
      ch[q] = chBase + c;
    }
    for (let mm = m[0]; mm < m[1]; mm++) {
      const oy = Math.floor(mm / g.outW);
      const ox = mm - oy * g.outW;
      const r0 = oy * g.strideH - g.padTop;
      const c0 = ox * g.strideW - g.padLeft;
      for (let q = 0; q < kn; q++) {
        const r = r0 + di[q]!;
        const col = c0 + dj[q]!;
        if (r < 0 || r >= g.inH || col < 0 || col >= g.inW) continue;
        visit(((image * g.inH + r) * g.inW + col) * g.inChannels + ch[q]!);
      }
    }
  }
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
