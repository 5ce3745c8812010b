/**
 * R — the per-cycle model of the RBE. A finite-state machine walks the engine's schedule one cycle
 * per `step()` (pulp.md §4.4, rbe_ctrl_fsm.sv and ucode/code.yml):
 *
 *   for H patches, W patches (3×3 output pixels), K_out tiles (32 channels):
 *     for K_in tiles (32 channels), QA tiles (4 activation bits):        ← x-patch
 *       LOAD_FEAT  one feature beat per cycle into the 5×5×4-plane input buffer
 *       COMPUTE    one weight beat per cycle: 2 all-ones offset words, then the weight bit-planes;
 *                  every enabled BinConv ANDs 32 weight bits with 32 activation bits, pops the
 *                  count, and the block/column trees shift it by (activation bit + weight bit) and
 *                  add it into the column's accumulator of that output channel
 *       UPDATEIDX  t_o cycles of FSM overhead
 *     NORM_LOAD    8 norm-parameter beats (4 channels' scale and bias each)
 *     NORMQUANT    8 cycles: 4 units per column normalize 4 of the 32 accumulators each cycle
 *     STREAMOUT    12 beats per 4-bit output tile, each one bit-plane of one row of 3 pixels
 *
 * Every beat goes through an L1 port (`RbePort`). A refused beat is retried the next cycle and the
 * whole engine waits (one stall cycle per refusal): the streamer FIFOs are not modelled as
 * prefetching ahead of the consumer, so contention is never hidden. Values are real: the L1
 * images of x and W are built in the engine's bit-plane layout, loaded word by word as beats are
 * granted, and the outputs are read back from the output image the streamer writes.
 */
import type { ActionCounts } from '../../../engine/component.js';
import { assertRunnable, geometry, type RbeGeometry, type RbeJob, type RbeOperands } from './job.js';
import { normQuant } from './normquant.js';
import type { RbeParams } from './params.js';

/** Which stream a beat belongs to. */
export type RbeStream = 'feature' | 'weight' | 'norm' | 'output';

/** One streamer beat: `words` consecutive 32-bit words from byte address `addr`. */
export interface RbeBeat {
  readonly cycle: number;
  readonly stream: RbeStream;
  readonly addr: number;
  readonly words: number;
  readonly write: boolean;
}

/** The engine's L1 port; the cluster makes it contend with the cores at the TCDM banks. */
export interface RbePort {
  /** Whether the beat is granted this cycle; a refused beat is retried the next cycle. */
  requestBeat(beat: RbeBeat): boolean;
}

/** A port that grants every beat (no contention): the domain of the event model. */
export const ALWAYS_GRANT: RbePort = { requestBeat: () => true };

export interface RbeResult {
  readonly cycles: number;
  readonly stallCycles: number;
  /** Useful MACs of the layer: hOut·wOut·kOut·kIn·fs². */
  readonly macs: number;
  /** Action counts (see docs/rbe.md), keys sorted. */
  readonly counts: ActionCounts;
  /** Outputs y[hOut][wOut][kOut], row-major. */
  readonly outputs: Int32Array;
}

export interface ReferenceOptions {
  readonly port?: RbePort;
  /** Hang guard (default 10⁹ cycles). */
  readonly maxCycles?: number;
}

/** Every action R and E count (all present, zero or not). */
export const RBE_COUNT_KEYS = [
  'rbe.accumulator.update',
  'rbe.binconv.active',
  'rbe.bitop',
  'rbe.cycles.compute',
  'rbe.cycles.load',
  'rbe.cycles.normload',
  'rbe.cycles.normquant',
  'rbe.cycles.stall',
  'rbe.cycles.streamout',
  'rbe.cycles.updateidx',
  'rbe.inputbuffer.write',
  'rbe.l1.beat.feature',
  'rbe.l1.beat.norm',
  'rbe.l1.beat.output',
  'rbe.l1.beat.weight',
  'rbe.l1.refused',
  'rbe.l1.word.read',
  'rbe.l1.word.write',
  'rbe.normquant.op',
] as const;

export type RbeCountKey = (typeof RBE_COUNT_KEYS)[number];

type State = 'load' | 'compute' | 'update' | 'normload' | 'normquant' | 'stream' | 'done';

function popcount32(v: number): number {
  let x = v - ((v >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Word indices of the L1 images (32-bit words, relative to their region's base address). */
export interface RbeLayout {
  /** x image: [hInPad][nKi][nQa][4 planes][wInPad]. */
  xWord(i: number, kt: number, qt: number, b: number, j: number): number;
  /** weight image: [nKo][nKi][weightBeats][weightWordsPerBeat]. */
  wWord(ko: number, ki: number, s: number, r: number): number;
  /** output image: [hOutPad][nKo][nQao][4 planes][wOutPad]. */
  yWord(i: number, ko: number, qo: number, b: number, j: number): number;
  readonly xWords: number;
  readonly wWords: number;
  readonly yWords: number;
}

export function layoutOf(g: RbeGeometry): RbeLayout {
  return {
    xWord: (i, kt, qt, b, j) => (((i * g.nKi + kt) * g.nQa + qt) * 4 + b) * g.wInPad + j,
    wWord: (ko, ki, s, r) => ((ko * g.nKi + ki) * g.weightBeats + s) * g.weightWordsPerBeat + r,
    yWord: (i, ko, qo, b, j) => (((i * g.nKo + ko) * g.nQao + qo) * 4 + b) * g.wOutPad + j,
    xWords: g.hInPad * g.nKi * g.nQa * 4 * g.wInPad,
    wWords: g.nKo * g.nKi * g.weightBeats * g.weightWordsPerBeat,
    yWords: g.hOutPad * g.nKo * g.nQao * 4 * g.wOutPad,
  };
}

/** The x image in L1: bit b of tile qt of activation x[i][j][32·kt + c] is bit c of a word. */
export function buildXImage(job: RbeJob, g: RbeGeometry, L: RbeLayout, x: Int32Array): Uint32Array {
  const img = new Uint32Array(L.xWords);
  for (let i = 0; i < g.hIn; i++) {
    for (let j = 0; j < g.wIn; j++) {
      for (let k = 0; k < job.kIn; k++) {
        const v = x[(i * g.wIn + j) * job.kIn + k] ?? 0;
        const kt = k >> 5;
        const c = k & 31;
        for (let bit = 0; bit < job.qa; bit++) {
          if (((v >> bit) & 1) === 0) continue;
          const at = L.xWord(i, kt, bit >> 2, bit & 3, j);
          img[at] = ((img[at] ?? 0) | (1 << c)) >>> 0;
        }
      }
    }
  }
  return img;
}

/**
 * The weight image in L1. Signed weights are shifted to unsigned by 2^(QW−1) − 1 (the RBE golden
 * model's offset scheme, pulp.md §4.2); each stream begins with 2 all-ones words (all 9 taps in
 * 3×3 mode, row 0 in 1×1 mode). 3×3: word s = 2 + 32-channel·QW + bit holds, per tap r, bit `bit`
 * of the 32 input channels. 1×1: word s = 2 + channel holds, per row r < QW, bit r.
 */
export function buildWImage(job: RbeJob, g: RbeGeometry, L: RbeLayout, w: Int32Array): Uint32Array {
  const img = new Uint32Array(L.wWords);
  const shiftUp = 2 ** (job.qw - 1) - 1;
  const taps = g.fs * g.fs;
  for (let ko = 0; ko < g.nKo; ko++) {
    for (let ki = 0; ki < g.nKi; ki++) {
      for (let s = 0; s < 2; s++) {
        if (job.mode === '3x3') {
          for (let r = 0; r < taps; r++) img[L.wWord(ko, ki, s, r)] = 0xffffffff;
        } else img[L.wWord(ko, ki, s, 0)] = 0xffffffff;
      }
    }
  }
  for (let k = 0; k < job.kOut; k++) {
    for (let t = 0; t < taps; t++) {
      for (let c = 0; c < job.kIn; c++) {
        const ws = (w[(k * taps + t) * job.kIn + c] ?? 0) + shiftUp;
        for (let bit = 0; bit < job.qw; bit++) {
          if (((ws >> bit) & 1) === 0) continue;
          const ko = k >> 5;
          const ki = c >> 5;
          const at =
            job.mode === '3x3'
              ? L.wWord(ko, ki, 2 + (k & 31) * job.qw + bit, t)
              : L.wWord(ko, ki, 2 + (k & 31), bit);
          img[at] = ((img[at] ?? 0) | (1 << (c & 31))) >>> 0;
        }
      }
    }
  }
  return img;
}

/** The RBE engine, one cycle per step(). */
export class RbeEngine {
  readonly geometry: RbeGeometry;
  private readonly layout: RbeLayout;
  private readonly xImage: Uint32Array;
  private readonly wImage: Uint32Array;
  readonly yImage: Uint32Array;
  /** Input buffer: 5×5 pixels × 4 bit-planes of 32 channels. */
  private readonly buffer: Uint32Array;
  /** Accumulators: 9 columns × 32 channels, 32-bit wrapping. */
  private readonly acc: Int32Array;
  /** Normalized, quantized outputs of the current tile (9 columns × 32 channels). */
  private readonly quant: Int32Array;
  private readonly scale: Int32Array;
  private readonly bias: Int32Array;
  private readonly port: RbePort;

  private state: State;
  private idx = 0;
  private hp = 0;
  private wp = 0;
  private ko = 0;
  private ki = 0;
  private qt = 0;
  cycle = 0;
  stallCycles = 0;
  private readonly c: Record<RbeCountKey, number>;

  constructor(
    private readonly job: RbeJob,
    ops: RbeOperands,
    private readonly p: RbeParams,
    port: RbePort = ALWAYS_GRANT,
  ) {
    assertRunnable(job, p, ops);
    this.geometry = geometry(job, p);
    this.layout = layoutOf(this.geometry);
    this.xImage = buildXImage(job, this.geometry, this.layout, ops.x);
    this.wImage = buildWImage(job, this.geometry, this.layout, ops.w);
    this.yImage = new Uint32Array(this.layout.yWords);
    const edge = p.inputBufferEdge;
    this.buffer = new Uint32Array(edge * edge * p.binconvsPerBlock);
    this.acc = new Int32Array(p.columns * p.accumulatorsPerColumn);
    this.quant = new Int32Array(p.columns * p.accumulatorsPerColumn);
    this.scale = new Int32Array(p.accumulatorsPerColumn);
    this.bias = new Int32Array(p.accumulatorsPerColumn);
    this.port = port;
    this.state = 'load';
    this.c = Object.fromEntries(RBE_COUNT_KEYS.map((k) => [k, 0])) as Record<RbeCountKey, number>;
  }

  get done(): boolean {
    return this.state === 'done';
  }

  private add(key: RbeCountKey, n: number): void {
    this.c[key] += n;
  }

  /** Requests a beat; counts it and returns whether it was granted. */
  private beat(stream: RbeStream, addr: number, words: number, write: boolean): boolean {
    const ok = this.port.requestBeat({ cycle: this.cycle, stream, addr, words, write });
    if (!ok) {
      this.stallCycles++;
      this.add('rbe.cycles.stall', 1);
      this.add('rbe.l1.refused', 1);
      return false;
    }
    this.add(`rbe.l1.beat.${stream}`, 1);
    this.add(write ? 'rbe.l1.word.write' : 'rbe.l1.word.read', words);
    return true;
  }

  /** One cycle. */
  step(): void {
    if (this.state === 'done') return;
    const g = this.geometry;
    const p = this.p;
    const job = this.job;
    switch (this.state) {
      case 'load': {
        // Beat idx loads bit-plane (idx mod 4) of buffer row ⌊idx / 4⌋.
        const row = this.idx >> 2;
        const b = this.idx & 3;
        const i = 3 * this.hp + row;
        const j0 = 3 * this.wp;
        const words = g.featureWordsPerBeat;
        const at = this.layout.xWord(i, this.ki, this.qt, b, j0);
        if (!this.beat('feature', this.job.addresses.x + 4 * at, words, false)) break;
        const edge = p.inputBufferEdge;
        for (let j = 0; j < words; j++) {
          this.buffer[(row * edge + j) * 4 + b] = this.xImage[at + j] ?? 0;
        }
        this.add('rbe.cycles.load', 1);
        this.add('rbe.inputbuffer.write', words);
        if (++this.idx === g.featureBeats) {
          this.idx = 0;
          this.state = 'compute';
        }
        break;
      }
      case 'compute': {
        const s = this.idx;
        const base = this.layout.wWord(this.ko, this.ki, s, 0);
        if (!this.beat('weight', job.addresses.w + 4 * base, g.weightWordsPerBeat, false)) break;
        this.compute(s, base);
        this.add('rbe.cycles.compute', 1);
        if (++this.idx === g.weightBeats) {
          this.idx = 0;
          this.state = 'update';
        }
        break;
      }
      case 'update': {
        this.add('rbe.cycles.updateidx', 1);
        if (++this.idx < p.updateIdxCycles) break;
        this.idx = 0;
        if (++this.qt < g.nQa) {
          this.state = 'load';
          break;
        }
        this.qt = 0;
        if (++this.ki < g.nKi) {
          this.state = 'load';
          break;
        }
        this.ki = 0;
        this.state = 'normload';
        break;
      }
      case 'normload': {
        const words = p.normWordsPerBeat;
        const addr = job.addresses.nq + 4 * (this.ko * p.normBeats + this.idx) * words;
        if (!this.beat('norm', addr, words, false)) break;
        // 6 words = 4 channels × (16-bit scale + 32-bit bias).
        const per = p.accumulatorsPerColumn / p.normBeats;
        for (let q = 0; q < per; q++) {
          const kc = this.idx * per + q;
          const k = this.ko * p.accumulatorsPerColumn + kc;
          this.scale[kc] = job.norm.scale[k] ?? 0;
          this.bias[kc] = job.norm.bias[k] ?? 0;
        }
        this.add('rbe.cycles.normload', 1);
        if (++this.idx === p.normBeats) {
          this.idx = 0;
          this.state = 'normquant';
        }
        break;
      }
      case 'normquant': {
        // Each column's units take 4 accumulators this cycle.
        const per = p.normquantPerColumn;
        for (let col = 0; col < p.columns; col++) {
          for (let u = 0; u < per; u++) {
            const kc = this.idx * per + u;
            const a = col * p.accumulatorsPerColumn + kc;
            this.quant[a] = normQuant(
              this.acc[a] ?? 0,
              this.scale[kc] ?? 0,
              this.bias[kc] ?? 0,
              job.norm.shift,
              job.norm.relu,
              job.qao,
            );
          }
        }
        this.add('rbe.normquant.op', p.columns * per);
        this.add('rbe.cycles.normquant', 1);
        if (++this.idx === p.normquantCycles) {
          this.idx = 0;
          this.state = 'stream';
        }
        break;
      }
      case 'stream': {
        // Beat idx: output tile ⌊idx / 12⌋, row ⌊(idx mod 12) / 4⌋, bit-plane idx mod 4.
        const qo = Math.floor(this.idx / p.outputBeatsPerQaoTile);
        const within = this.idx % p.outputBeatsPerQaoTile;
        const row = within >> 2;
        const b = within & 3;
        const words = p.outputWordsPerBeat;
        const at = this.layout.yWord(3 * this.hp + row, this.ko, qo, b, 3 * this.wp);
        if (!this.beat('output', job.addresses.y + 4 * at, words, true)) break;
        const bit = 4 * qo + b;
        for (let j = 0; j < words; j++) {
          const col = row * 3 + j;
          let word = 0;
          for (let kc = 0; kc < p.accumulatorsPerColumn; kc++) {
            const v = this.quant[col * p.accumulatorsPerColumn + kc] ?? 0;
            if (bit < job.qao && ((v >> bit) & 1) !== 0) word |= 1 << kc;
          }
          this.yImage[at + j] = word >>> 0;
        }
        this.add('rbe.cycles.streamout', 1);
        if (++this.idx < p.outputBeatsPerQaoTile * g.nQao) break;
        this.idx = 0;
        this.acc.fill(0);
        this.state = 'load';
        if (++this.ko < g.nKo) break;
        this.ko = 0;
        if (++this.wp < g.nW) break;
        this.wp = 0;
        if (++this.hp < g.nH) break;
        this.state = 'done';
        break;
      }
    }
    this.cycle++;
  }

  /** The binary units on weight beat s (at word `base` of the weight image). */
  private compute(s: number, base: number): void {
    const p = this.p;
    const job = this.job;
    const edge = p.inputBufferEdge;
    const is3 = job.mode === '3x3';
    const rows = is3 ? p.blocksPerColumn : job.qw;
    const bits = p.binconvsPerBlock;
    const qaShift = bits * this.qt;
    // Which accumulator(s) this beat feeds and with which weight-bit weight.
    const offset = s < p.offsetWords;
    const kc = offset ? -1 : is3 ? Math.floor((s - 2) / job.qw) : s - 2;
    const wBit = offset ? 0 : is3 ? (s - 2) % job.qw : 0;
    for (let col = 0; col < p.columns; col++) {
      const py = Math.floor(col / 3);
      const px = col % 3;
      let sum = 0;
      for (let r = 0; r < rows; r++) {
        const wword = this.wImage[base + r] ?? 0;
        // 3×3: row r is tap (r / 3, r mod 3) of this output pixel; 1×1: row r is weight bit r.
        const pix = is3 ? (py + Math.floor(r / 3)) * edge + px + (r % 3) : py * edge + px;
        const rowShift = is3 ? wBit : r;
        for (let b = 0; b < bits; b++) {
          const pop = popcount32(wword & (this.buffer[pix * bits + b] ?? 0));
          sum += pop * 2 ** (qaShift + b + rowShift);
        }
      }
      if (offset) {
        // Offset words: −2^(QW−1)·Σx (word 0) and +Σx (word 1), into all 32 accumulators.
        const term = s === 0 ? -sum * 2 ** (job.qw - 1) : sum;
        for (let k = 0; k < p.accumulatorsPerColumn; k++) {
          const a = col * p.accumulatorsPerColumn + k;
          this.acc[a] = ((this.acc[a] ?? 0) + term) | 0;
        }
        this.add('rbe.accumulator.update', p.accumulatorsPerColumn);
      } else {
        const a = col * p.accumulatorsPerColumn + kc;
        this.acc[a] = ((this.acc[a] ?? 0) + sum) | 0;
        this.add('rbe.accumulator.update', 1);
      }
    }
    const active = p.columns * rows * bits;
    this.add('rbe.binconv.active', active);
    this.add('rbe.bitop', active * p.binconvWidth);
  }

  /** Outputs y[hOut][wOut][kOut] read back from the output image. */
  outputs(): Int32Array {
    const job = this.job;
    const out = new Int32Array(job.hOut * job.wOut * job.kOut);
    for (let i = 0; i < job.hOut; i++) {
      for (let j = 0; j < job.wOut; j++) {
        for (let k = 0; k < job.kOut; k++) {
          let v = 0;
          for (let bit = 0; bit < job.qao; bit++) {
            const w = this.yImage[this.layout.yWord(i, k >> 5, bit >> 2, bit & 3, j)] ?? 0;
            v |= ((w >>> (k & 31)) & 1) << bit;
          }
          if (!job.norm.relu && v >= 2 ** (job.qao - 1)) v -= 2 ** job.qao;
          out[(i * job.wOut + j) * job.kOut + k] = v;
        }
      }
    }
    return out;
  }

  counts(): ActionCounts {
    const out: ActionCounts = {};
    for (const k of RBE_COUNT_KEYS) out[k] = this.c[k];
    return out;
  }
}

/** Runs R to completion. */
export function runReference(
  job: RbeJob,
  ops: RbeOperands,
  p: RbeParams,
  opts: ReferenceOptions = {},
): RbeResult {
  const engine = new RbeEngine(job, ops, p, opts.port ?? ALWAYS_GRANT);
  const max = opts.maxCycles ?? 1e9;
  while (!engine.done) {
    if (engine.cycle >= max) {
      throw new Error(`RBE reference: no completion within ${String(max)} cycles`);
    }
    engine.step();
  }
  const g = engine.geometry;
  return {
    cycles: engine.cycle,
    stallCycles: engine.stallCycles,
    macs: job.hOut * job.wOut * job.kOut * job.kIn * g.fs * g.fs,
    counts: engine.counts(),
    outputs: engine.outputs(),
  };
}
