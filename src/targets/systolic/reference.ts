/**
 * R — the reference stepper of the systolic target. Every PE holds its registers; operand values
 * enter at the array edges and move one PE per cycle; each PE multiplies and accumulates with the
 * layer's arithmetic; the ifmap/filter chunks are moved by a DMA component byte-budget by cycle, and
 * the ofmap buffer halves are drained by a write component. Written for clarity, not speed: it is
 * the model the event engine (./event.ts) is proven against.
 */
import type { ActionCounts, Component } from '../../engine/component.js';
import { runEvents, runStepper } from '../../engine/runner.js';
import { transferCycles, type Chunk, type Fold, type LayerPlan } from './plan.js';
import type { SystolicSpec } from './spec.js';

/** Real operand values (decoded from the layer's number formats); 0 for padding. */
export interface OperandSource {
  a(segment: number, m: number, k: number): number;
  b(segment: number, k: number, n: number): number;
}

/** The arithmetic of one MAC and of adding partial sums, in the layer's accumulator format. */
export interface MacArithmetic {
  readonly accumulator: string;
  readonly overflow: 'wrap' | 'saturate';
  readonly mac: (acc: number, a: number, b: number) => number;
  readonly add: (x: number, y: number) => number;
}

export interface ReferenceOptions {
  readonly operands?: OperandSource;
  readonly arithmetic?: MacArithmetic;
  /** Segment sizes (M×N per segment, in plan.folds' segment order) to collect outputs into. */
  readonly outputShapes?: ReadonlyMap<number, { m: number; n: number }>;
  /** Use the event runner over the R components (skips stalls) instead of stepping every cycle. */
  readonly runner?: 'stepper' | 'events';
  /** Hang guard (default 10⁹ cycles). */
  readonly maxCycles?: number;
}

export interface ReferenceResult {
  readonly cycles: number;
  readonly computeCycles: number;
  readonly stallCycles: number;
  readonly readStallCycles: number;
  readonly writeStallCycles: number;
  readonly drainCycles: number;
  readonly ofmapDrains: number;
  readonly counts: ActionCounts;
  /** Per segment, M×N row-major outputs (when operands were given). */
  readonly outputs: Map<number, Float64Array>;
}

/** The read DMA: serves chunk requests in order, ⌈bytes / bandwidth⌉ cycles each. */
class ReadDma implements Component {
  readonly id = 'dram.read';
  private now = 0;
  private readonly queue: { stream: 0 | 1; index: number; cycles: number }[] = [];
  private head = 0;
  private left = 0;
  /** Cycle from which each chunk is usable (Infinity until it has arrived). */
  readonly ready: [Float64Array, Float64Array];
  busyCycles = 0;

  constructor(
    ifmapChunks: number,
    filterChunks: number,
    private readonly bandwidth: number,
    private readonly latency: number,
  ) {
    this.ready = [
      new Float64Array(ifmapChunks).fill(Infinity),
      new Float64Array(filterChunks).fill(Infinity),
    ];
  }

  reset(): void {
    /* built fresh per layer */
  }

  request(stream: 0 | 1, index: number, bytes: number, now: number): void {
    if (bytes === 0) {
      this.ready[stream][index] = now;
      return;
    }
    const cycles = transferCycles(bytes, this.bandwidth);
    if (cycles === 0) {
      // unlimited bandwidth: the transfer takes no channel time, only the latency
      this.ready[stream][index] = now + this.latency;
      return;
    }
    this.queue.push({ stream, index, cycles });
  }

  idle(): boolean {
    return this.head >= this.queue.length;
  }

  step(): void {
    const r = this.queue[this.head];
    if (r !== undefined) {
      if (this.left === 0) this.left = r.cycles;
      this.left--;
      this.busyCycles++;
      if (this.left === 0) {
        this.ready[r.stream][r.index] = this.now + 1 + this.latency;
        this.head++;
      }
    }
    this.now++;
  }

  nextActivity(): number {
    if (this.idle()) return Infinity;
    const r = this.queue[this.head]!;
    const left = this.left === 0 ? r.cycles : this.left;
    return left - 1; // the cycle that completes the transfer must be stepped
  }

  advance(n: number): void {
    if (n <= 0) return;
    if (!this.idle()) {
      const r = this.queue[this.head]!;
      if (this.left === 0) this.left = r.cycles;
      this.left -= n;
      this.busyCycles += n;
    }
    this.now += n;
  }

  counts(): ActionCounts {
    return {};
  }
}

/** The ofmap write side: drains closed halves to DRAM, one at a time. */
class OfmapDrain implements Component {
  readonly id = 'dram.write';
  private left = 0;
  busyCycles = 0;

  constructor(private readonly bandwidth: number) {}

  reset(): void {
    this.left = 0;
  }

  /** Is the other half free (nothing draining)? */
  idle(): boolean {
    return this.left === 0;
  }

  start(bytes: number): void {
    this.left = transferCycles(bytes, this.bandwidth);
  }

  step(): void {
    if (this.left > 0) {
      this.left--;
      this.busyCycles++;
    }
  }

  nextActivity(): number {
    return this.left === 0 ? Infinity : this.left - 1;
  }

  advance(n: number): void {
    const k = Math.min(n, this.left);
    this.left -= k;
    this.busyCycles += k;
  }

  counts(): ActionCounts {
    return {};
  }
}

/** Action counters R keeps per PE-array event (indices into a Float64Array; names in ACT_NAMES). */
const enum Act {
  Mac,
  Idle,
  IfmapHop,
  FilterHop,
  PsumHop,
  IfmapRead,
  FilterRead,
  OfmapWrite,
}
const ACT_NAMES = [
  'pe.mac',
  'pe.idle',
  'pe.ifmap_hop',
  'pe.filter_hop',
  'pe.psum_hop',
  'sram.ifmap.read',
  'sram.filter.read',
  'sram.ofmap.write',
] as const;

const enum Mode {
  Run,
  Tail,
  Done,
}

/** The PE array and its sequencer (fold by fold, row by row, stalling on memory). */
class ArrayMachine implements Component {
  readonly id = 'array';
  private now = 0;
  private mode = Mode.Run;
  private fi = 0;
  private row = 0;
  // PE registers (current and next), R×C row-major
  private readonly n: number;
  private aVal: Float64Array;
  private aT: Int32Array;
  private bVal: Float64Array;
  private bT: Int32Array;
  private pVal: Float64Array; // os: accumulators; ws/is: moving partial sums
  private pT: Int32Array;
  private aVal2: Float64Array;
  private aT2: Int32Array;
  private bVal2: Float64Array;
  private bT2: Int32Array;
  private pVal2: Float64Array;
  private pT2: Int32Array;
  private readonly sVal: Float64Array; // stationary operand (ws weights / is inputs)
  private readonly sVal2: Float64Array;
  private fill = 0;
  private demandedI = -1;
  private demandedF = -1;
  private readonly foldChunksI: number[][];
  private readonly foldChunksF: number[][];
  private readonly c = new Float64Array(ACT_NAMES.length);
  private readonly rc = new Float64Array(ACT_NAMES.length);
  computeCycles = 0;
  readStall = 0;
  writeStall = 0;
  lastRowEnd = 0;
  drains = 0;
  private waitingUntil = 0;
  private readonly outputs: Map<number, Float64Array>;
  private pendingIndex: Float64Array = new Float64Array(0);
  private pendingValue: Float64Array = new Float64Array(0);
  private pendingCount = 0;
  /** The current row changed the stationary registers (load phase). */
  private stationaryLoaded = false;
  /** Valid entries in the streaming (a) and os filter (b) register planes, current and next. */
  private validA = 0;
  private validA2 = 0;
  private validB = 0;
  private validB2 = 0;

  private emit(index: number, value: number): void {
    this.pendingIndex[this.pendingCount] = index;
    this.pendingValue[this.pendingCount] = value;
    this.pendingCount++;
  }

  constructor(
    private readonly plan: LayerPlan,
    spec: SystolicSpec,
    private readonly dma: ReadDma,
    private readonly drain: OfmapDrain,
    private readonly opts: ReferenceOptions,
  ) {
    const { rows: R, cols: C } = plan;
    this.n = R * C;
    const f64 = (): Float64Array => new Float64Array(this.n);
    const i32 = (): Int32Array => new Int32Array(this.n).fill(-1);
    this.aVal = f64();
    this.aT = i32();
    this.bVal = f64();
    this.bT = i32();
    this.pVal = f64();
    this.pT = i32();
    this.aVal2 = f64();
    this.aT2 = i32();
    this.bVal2 = f64();
    this.bT2 = i32();
    this.pVal2 = f64();
    this.pT2 = i32();
    this.sVal = f64();
    this.sVal2 = f64();
    this.pendingIndex = f64();
    this.pendingValue = f64();
    this.foldChunksI = plan.folds.map(() => []);
    this.foldChunksF = plan.folds.map(() => []);
    plan.ifmapChunks.forEach((ch, i) => this.foldChunksI[ch.fold]!.push(i));
    plan.filterChunks.forEach((ch, i) => this.foldChunksF[ch.fold]!.push(i));
    this.outputs = new Map();
    for (const [seg, s] of opts.outputShapes ?? []) this.outputs.set(seg, new Float64Array(s.m * s.n));
    if (spec.conventions === 'scalesim') {
      if (plan.ifmapChunks.length > 0) dma.ready[0][0] = 0;
      if (plan.filterChunks.length > 0) dma.ready[1][0] = 0;
    } else {
      if (plan.ifmapChunks.length > 0) dma.request(0, 0, plan.ifmapChunks[0]!.bytes, 0);
      if (plan.filterChunks.length > 0) dma.request(1, 0, plan.filterChunks[0]!.bytes, 0);
    }
    if (plan.folds.length === 0) this.mode = Mode.Tail;
  }

  get finishedRows(): boolean {
    return this.mode !== Mode.Run;
  }

  /** All rows run and the last half handed to the drain. */
  get done(): boolean {
    return this.mode === Mode.Done;
  }

  resultOutputs(): Map<number, Float64Array> {
    return this.outputs;
  }

  reset(): void {
    /* built fresh per layer */
  }

  step(): void {
    if (this.mode === Mode.Run) this.tryRow();
    else if (this.mode === Mode.Tail) this.tryTail();
    this.now++;
  }

  nextActivity(): number {
    // while stalled on a known arrival time nothing changes until then
    if (this.mode === Mode.Run && this.waitingUntil > this.now) return this.waitingUntil - this.now;
    if (this.mode === Mode.Done) return Infinity;
    return 0;
  }

  advance(n: number): void {
    // only called inside a known stall (nextActivity > 0): each cycle is a stall cycle of the same cause
    if (this.mode === Mode.Run) {
      if (this.stallCause === 'read') this.readStall += n;
      else this.writeStall += n;
    }
    this.now += n;
  }

  private stallCause: 'read' | 'write' = 'read';

  counts(): ActionCounts {
    const out: ActionCounts = {};
    ACT_NAMES.forEach((name, i) => (out[name] = this.c[i] ?? 0));
    return out;
  }

  private chunkFor(list: readonly Chunk[], ids: number[], t: number): number {
    for (const id of ids) {
      const ch = list[id]!;
      if (ch.t0 === -1 ? t === -1 : t >= ch.t0 && t < ch.t1) return id;
    }
    throw new Error(`no chunk covers temporal index ${t} of fold ${this.fi}`);
  }

  /** After the last row: close the partly filled half once the other one has drained. */
  private tryTail(): void {
    if (this.fill > 0) {
      if (!this.drain.idle()) return;
      this.drain.start(this.fill * this.plan.ofmapWordBytes);
      this.drains++;
      this.fill = 0;
    }
    this.mode = Mode.Done;
  }

  /** True when nothing is left to close (the drain may still be busy). */
  /** Words waiting in the active half. */
  get pendingWords(): number {
    return this.fill;
  }

  get tailClosed(): boolean {
    return this.mode === Mode.Done || (this.mode === Mode.Tail && this.fill === 0);
  }

  /** Compute row `row` of fold `fi` into the *2 registers; returns what it needs and emits. */
  private tryRow(): void {
    const fold = this.plan.folds[this.fi]!;
    const need = this.computeNext(fold);
    // reads: every chunk an injection of this row uses must have arrived
    let readyAt = this.now;
    for (const id of need.chunksI) readyAt = Math.max(readyAt, this.dma.ready[0][id] ?? Infinity);
    for (const id of need.chunksF) readyAt = Math.max(readyAt, this.dma.ready[1][id] ?? Infinity);
    if (readyAt > this.now) {
      this.readStall++;
      this.stallCause = 'read';
      this.waitingUntil = Number.isFinite(readyAt) ? readyAt : this.now + 1;
      return;
    }
    // writes: the row's outputs must fit, possibly by swapping halves
    const h = this.plan.ofmapHalfWords;
    let swap = false;
    if (this.fill + need.outputs > h) {
      if (!this.drain.idle()) {
        this.writeStall++;
        this.stallCause = 'write';
        this.waitingUntil = this.now + 1; // the drain's end is the drain's business; poll
        return;
      }
      swap = true;
    }
    this.waitingUntil = 0;
    // commit
    this.commit();
    this.computeCycles++;
    for (const id of need.chunksI) {
      if (id > this.demandedI) {
        this.demandedI = id;
        const next = id + 1;
        if (next < this.plan.ifmapChunks.length)
          this.dma.request(0, next, this.plan.ifmapChunks[next]!.bytes, this.now);
      }
    }
    for (const id of need.chunksF) {
      if (id > this.demandedF) {
        this.demandedF = id;
        const next = id + 1;
        if (next < this.plan.filterChunks.length)
          this.dma.request(1, next, this.plan.filterChunks[next]!.bytes, this.now);
      }
    }
    if (swap) {
      this.drain.start(h * this.plan.ofmapWordBytes);
      this.drains++;
      this.fill = this.fill + need.outputs - h;
    } else {
      this.fill += need.outputs;
    }
    for (let i = 0; i < this.pendingCount; i++)
      this.writeOutput(fold.segment, this.pendingIndex[i]!, this.pendingValue[i]!, fold);
    this.row++;
    if (this.row === fold.length) {
      this.row = 0;
      this.fi++;
      if (this.fi === this.plan.folds.length) {
        this.lastRowEnd = this.now + 1;
        this.mode = Mode.Tail;
      }
    }
  }

  private writeOutput(seg: number, index: number, value: number, fold: Fold): void {
    const out = this.outputs.get(seg);
    if (out === undefined) return;
    const ar = this.opts.arithmetic;
    if (this.plan.dataflow === 'os' || fold.fr === 0 || ar === undefined) out[index] = value;
    else out[index] = ar.add(out[index] ?? 0, value);
  }

  private commit(): void {
    let f = this.aVal;
    this.aVal = this.aVal2;
    this.aVal2 = f;
    f = this.bVal;
    this.bVal = this.bVal2;
    this.bVal2 = f;
    f = this.pVal;
    this.pVal = this.pVal2;
    this.pVal2 = f;
    let i = this.aT;
    this.aT = this.aT2;
    this.aT2 = i;
    i = this.bT;
    this.bT = this.bT2;
    this.bT2 = i;
    i = this.pT;
    this.pT = this.pT2;
    this.pT2 = i;
    if (this.stationaryLoaded) this.sVal.set(this.sVal2);
    this.validA = this.validA2;
    this.validB = this.validB2;
    for (let i = 0; i < this.c.length; i++) this.c[i]! += this.rc[i]!;
  }

  private computeNext(fold: Fold): { chunksI: number[]; chunksF: number[]; outputs: number } {
    this.pendingCount = 0;
    const rc = this.rc;
    rc.fill(0);
    const chunksI = new Set<number>();
    const chunksF = new Set<number>();
    const idsI = this.foldChunksI[this.fi]!;
    const idsF = this.foldChunksF[this.fi]!;
    const outputs =
      this.plan.dataflow === 'os'
        ? this.rowOs(
            fold,
            rc,
            (t) => chunksI.add(this.chunkFor(this.plan.ifmapChunks, idsI, t)),
            (t) => chunksF.add(this.chunkFor(this.plan.filterChunks, idsF, t)),
          )
        : this.rowStationary(fold, rc, chunksI, chunksF, idsI, idsF);
    rc[Act.Idle] = this.n - rc[Act.Mac]!;
    return { chunksI: [...chunksI], chunksF: [...chunksF], outputs };
  }

  /** Output stationary: ifmap enters from the left, filter from the top, sums stay in the PEs. */
  private rowOs(fold: Fold, rc: Float64Array, useI: (t: number) => void, useF: (t: number) => void): number {
    const { rows: R, cols: C } = this.plan;
    const t = this.row;
    const K = fold.t;
    const m0 = fold.fr * R;
    const n0 = fold.fc * C;
    const src = this.opts.operands;
    const seg = fold.segment;
    const aT = this.aT;
    const aT2 = this.aT2;
    const aV = this.aVal;
    const aV2 = this.aVal2;
    const bT = this.bT;
    const bT2 = this.bT2;
    const bV = this.bVal;
    const bV2 = this.bVal2;
    // ifmap values move right along each row (the whole plane shifts by one element; column 0 of
    // every row is then overwritten by the injection); filter values move down (shift by a row)
    const n = this.n;
    aT2.set(aT.subarray(0, n - 1), 1);
    aV2.set(aV.subarray(0, n - 1), 1);
    let lastColumnValid = 0;
    for (let i = 0; i < R; i++) if (aT[i * C + C - 1]! >= 0) lastColumnValid++;
    const aHops = this.validA - lastColumnValid;
    let validA = aHops;
    for (let i = 0; i < R; i++) {
      const row = i * C;
      const k = t - i;
      if (i < fold.ur && k >= 0 && k < K) {
        aT2[row] = k;
        aV2[row] = src !== undefined ? src.a(seg, m0 + i, k) : 0;
        rc[Act.IfmapRead]!++;
        useI(k);
        validA++;
      } else aT2[row] = -1;
    }
    rc[Act.IfmapHop]! += aHops;
    this.validA2 = validA;
    bT2.set(bT.subarray(0, n - C), C);
    bV2.set(bV.subarray(0, n - C), C);
    let lastRowValid = 0;
    for (let j = n - C; j < n; j++) if (bT[j]! >= 0) lastRowValid++;
    const bHops = this.validB - lastRowValid;
    let validB = bHops;
    for (let j = 0; j < C; j++) {
      const k = t - j;
      if (j < fold.uc && k >= 0 && k < K) {
        bT2[j] = k;
        bV2[j] = src !== undefined ? src.b(seg, k, n0 + j) : 0;
        rc[Act.FilterRead]!++;
        useF(k);
        validB++;
      } else bT2[j] = -1;
    }
    rc[Act.FilterHop]! += bHops;
    this.validB2 = validB;
    // every PE where an ifmap and a filter value of the same k meet multiplies and accumulates
    const pV = this.pVal;
    const pV2 = this.pVal2;
    const ar = this.opts.arithmetic;
    const mac = ar?.mac;
    const int32 = ar?.accumulator === 'int32' && ar.overflow === 'wrap';
    const shape = this.opts.outputShapes?.get(seg);
    let macs = 0;
    let outputs = 0;
    for (let p = 0; p < this.n; p++) {
      const k = aT2[p]!;
      let acc = pV[p]!;
      if (k >= 0 && bT2[p]! >= 0) {
        if (k !== bT2[p]) throw new Error(`os: operands of k=${k} and k=${bT2[p]!} met in PE ${p}`);
        const base = k === 0 ? 0 : acc;
        acc = int32 ? (base + aV2[p]! * bV2[p]!) | 0 : mac !== undefined ? mac(base, aV2[p]!, bV2[p]!) : 0;
        macs++;
        if (k === K - 1) {
          outputs++;
          if (shape !== undefined) {
            const i = Math.floor(p / C);
            this.emit((m0 + i) * shape.n + n0 + p - i * C, acc);
          }
        }
      }
      pV2[p] = acc;
    }
    rc[Act.Mac]! += macs;
    rc[Act.OfmapWrite]! += outputs;
    return outputs;
  }

  /**
   * Weight / input stationary: a tile is pushed in from the top (bottom row first) during rows
   * 0…ur−1, then the streaming operand enters from the left at row R + τ + i and partial sums flow
   * down every column, leaving the bottom row as outputs.
   */
  private rowStationary(
    fold: Fold,
    rc: Float64Array,
    chunksI: Set<number>,
    chunksF: Set<number>,
    idsI: number[],
    idsF: number[],
  ): number {
    const { rows: R, cols: C } = this.plan;
    const ws = this.plan.dataflow === 'ws';
    const t = this.row;
    const k0 = fold.fr * R;
    const s0 = fold.fc * C; // first column's index (n for ws, m for is)
    const src = this.opts.operands;
    const ar = this.opts.arithmetic;
    const seg = fold.segment;
    const T = fold.t;
    const shape = this.opts.outputShapes?.get(seg);
    // stationary streams: ws weights come from the filter SRAM, is inputs from the ifmap SRAM
    const stationaryRead = ws ? Act.FilterRead : Act.IfmapRead;
    const streamingRead = ws ? Act.IfmapRead : Act.FilterRead;
    const stationaryHop = ws ? Act.FilterHop : Act.IfmapHop;
    const streamingHop = ws ? Act.IfmapHop : Act.FilterHop;
    const useStationary = (): void => {
      if (ws) chunksF.add(this.chunkFor(this.plan.filterChunks, idsF, -1));
      else chunksI.add(this.chunkFor(this.plan.ifmapChunks, idsI, -1));
    };
    const useStreaming = (tau: number): void => {
      if (ws) chunksI.add(this.chunkFor(this.plan.ifmapChunks, idsI, tau));
      else chunksF.add(this.chunkFor(this.plan.filterChunks, idsF, tau));
    };
    // 1. stationary load (rows 0 … ur−1): shift down, inject at the top
    this.stationaryLoaded = t < fold.ur;
    if (t < fold.ur) {
      this.sVal2.set(this.sVal);
      for (let j = 0; j < C; j++) {
        for (let i = fold.ur - 1; i >= 1; i--) {
          this.sVal2[i * C + j] = this.sVal[(i - 1) * C + j]!;
          if (j < fold.uc && i <= t) rc[stationaryHop]!++;
        }
        if (j < fold.uc) {
          const dest = fold.ur - 1 - t; // the PE row this value is meant for
          const kk = k0 + dest;
          const v = src === undefined ? 0 : ws ? src.b(seg, kk, s0 + j) : src.a(seg, s0 + j, kk);
          this.sVal2[j] = v;
          rc[stationaryRead]!++;
          useStationary();
        }
      }
    }
    // 2. streaming operand: enters row i at R + τ + i, moves right one PE per cycle. The whole
    // plane shifts by one element; column 0 of every row is then overwritten by the injection.
    const aT = this.aT;
    const aT2 = this.aT2;
    const aV2 = this.aVal2;
    const n = this.n;
    aT2.set(aT.subarray(0, n - 1), 1);
    aV2.set(this.aVal.subarray(0, n - 1), 1);
    let lastColumnValid = 0;
    for (let i = 0; i < R; i++) if (aT[i * C + C - 1]! >= 0) lastColumnValid++;
    const hops = this.validA - lastColumnValid; // valid values that moved one PE right
    let valid = hops;
    for (let i = 0; i < R; i++) {
      const row = i * C;
      const tau = t - R - i;
      if (i < fold.ur && tau >= 0 && tau < T) {
        aT2[row] = tau;
        aV2[row] = src === undefined ? 0 : ws ? src.a(seg, tau, k0 + i) : src.b(seg, k0 + i, tau);
        rc[streamingRead]!++;
        useStreaming(tau);
        valid++;
      } else aT2[row] = -1;
    }
    this.validA2 = valid;
    rc[streamingHop]! += hops;
    // 3. partial sums: down each column, MAC where a streaming value meets its stationary value
    const pT = this.pT;
    const pT2 = this.pT2;
    const pV = this.pVal;
    const pV2 = this.pVal2;
    const sV = this.sVal;
    const uc = fold.uc;
    const mac = ar?.mac;
    const int32 = ar?.accumulator === 'int32' && ar.overflow === 'wrap';
    let macs = 0;
    let psumHops = 0;
    for (let i = 0; i < R; i++) {
      const row = i * C;
      for (let j = 0; j < C; j++) {
        const p = row + j;
        const tau = aT2[p]!;
        let inT = -1;
        let inV = 0;
        if (i > 0) {
          inT = pT[p - C]!;
          inV = pV[p - C]!;
          if (inT >= 0) psumHops++;
        }
        if (tau >= 0 && j < uc) {
          if (i > 0 && inT !== tau)
            throw new Error(`${this.plan.dataflow}: partial sum ${inT} met operand ${tau}`);
          const acc = i === 0 ? 0 : inV;
          // int32 with wrap-around inline (the same arithmetic as formats/arith.ts, without a call)
          pV2[p] = int32 ? (acc + aV2[p]! * sV[p]!) | 0 : mac !== undefined ? mac(acc, aV2[p]!, sV[p]!) : 0;
          pT2[p] = tau;
          macs++;
        } else {
          pT2[p] = inT;
          pV2[p] = inV;
        }
      }
    }
    rc[Act.Mac]! += macs;
    rc[Act.PsumHop]! += psumHops;
    // outputs leave the bottom row
    let outputs = 0;
    const bottom = (R - 1) * C;
    for (let j = 0; j < C; j++) {
      const o = pT2[bottom + j]!;
      if (o < 0) continue;
      outputs++;
      if (shape !== undefined)
        this.emit(ws ? o * shape.n + s0 + j : (s0 + j) * shape.n + o, pV2[bottom + j]!);
    }
    rc[Act.OfmapWrite]! += outputs;
    return outputs;
  }
}

/** Run one layer plan on R. */
export function runReference(
  plan: LayerPlan,
  spec: SystolicSpec,
  opts: ReferenceOptions = {},
): ReferenceResult {
  const dma = new ReadDma(
    plan.ifmapChunks.length,
    plan.filterChunks.length,
    spec.readBandwidthBytesPerCycle,
    spec.dramLatencyCycles,
  );
  const drain = new OfmapDrain(spec.writeBandwidthBytesPerCycle);
  const array = new ArrayMachine(plan, spec, dma, drain, opts);
  const components: Component[] = [array, dma, drain];
  const scalesim = spec.conventions === 'scalesim';
  const done = (): boolean => (scalesim ? array.finishedRows : array.tailClosed && drain.idle());
  const limits = { maxCycles: opts.maxCycles ?? 1e9 };
  const cyclesRun =
    opts.runner === 'events'
      ? runEvents(components, done, () => Infinity, limits)
      : runStepper(components, done, limits);
  const counts: ActionCounts = { ...array.counts() };
  const cycles = scalesim ? array.lastRowEnd - 1 : cyclesRun;
  const computeCycles = array.computeCycles;
  return {
    cycles,
    computeCycles,
    stallCycles: scalesim ? cycles - (computeCycles - 1) : cycles - computeCycles,
    readStallCycles: array.readStall,
    writeStallCycles: array.writeStall,
    drainCycles: scalesim ? 0 : cyclesRun - array.lastRowEnd,
    // under scalesim conventions the run stops at the last row; the last half still drains (uncounted time)
    ofmapDrains: array.drains + (scalesim && array.pendingWords > 0 ? 1 : 0),
    counts,
    outputs: array.resultOutputs(),
  };
}
