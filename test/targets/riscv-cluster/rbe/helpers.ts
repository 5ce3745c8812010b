/**
 * Shared helpers of the RBE tests: job and operand generators, and a plain integer reference of the
 * layer written independently of the models (signed conv, then BigInt normalization/quantization).
 */
import fc from 'fast-check';
import type { RbeJob, RbeOperands } from '../../../../src/targets/riscv-cluster/rbe/job.js';
import type { RbeMode } from '../../../../src/targets/riscv-cluster/rbe/params.js';

export interface JobSeed {
  readonly mode: RbeMode;
  readonly hOut: number;
  readonly wOut: number;
  readonly kIn: number;
  readonly kOut: number;
  readonly qa: number;
  readonly qw: number;
  readonly qao: number;
  readonly relu: boolean;
  readonly shiftDelta: number;
  readonly seed: number;
}

/** A deterministic generator (32-bit xorshift). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** A job with norm parameters chosen so that outputs are spread over the QAO range. */
export function makeJob(j: JobSeed): RbeJob {
  const next = rng(j.seed ^ 0x5bd1e995);
  const fs = j.mode === '3x3' ? 3 : 1;
  const scale: number[] = [];
  const bias: number[] = [];
  for (let k = 0; k < j.kOut; k++) {
    scale.push(1 + (next() % 64));
    bias.push((next() % 2001) - 1000);
  }
  // Typical |acc| ≈ sqrt(kIn·fs²)·E|x|·E|w|; aim its scaled value at 2^QAO.
  const typical = Math.sqrt(j.kIn * fs * fs) * 2 ** (j.qa - 1) * Math.max(1, 2 ** (j.qw - 2)) * 32;
  const shift = Math.min(16, Math.max(1, Math.round(Math.log2(typical)) - j.qao + j.shiftDelta));
  return {
    mode: j.mode,
    hOut: j.hOut,
    wOut: j.wOut,
    kIn: j.kIn,
    kOut: j.kOut,
    stride: 1,
    padding: 0,
    qa: j.qa,
    qw: j.qw,
    qao: j.qao,
    norm: { scale, bias, shift, relu: j.relu },
    addresses: { x: 0x1000, w: 0x8000, nq: 0x400, y: 0x10000 },
  };
}

/** Operands in range: x in [0, 2^QA), w in [−(2^(QW−1)−1), 2^(QW−1)−1], extremes included. */
export function makeOperands(job: RbeJob, seed: number): RbeOperands {
  const next = rng(seed);
  const fs = job.mode === '3x3' ? 3 : 1;
  const x = new Int32Array((job.hOut + fs - 1) * (job.wOut + fs - 1) * job.kIn);
  const w = new Int32Array(job.kOut * fs * fs * job.kIn);
  const xMax = 2 ** job.qa - 1;
  const wMax = 2 ** (job.qw - 1) - 1;
  for (let i = 0; i < x.length; i++) {
    const r = next() % 8;
    x[i] = r === 0 ? xMax : r === 1 ? 0 : next() % (xMax + 1);
  }
  for (let i = 0; i < w.length; i++) {
    const r = next() % 8;
    w[i] = r === 0 ? wMax : r === 1 ? -wMax : (next() % (2 * wMax + 1)) - wMax;
  }
  return { x, w };
}

export const jobSeedArb = (
  opts: { maxHw?: number; maxK?: number; bits?: fc.Arbitrary<number> } = {},
): fc.Arbitrary<JobSeed> => {
  const bits = opts.bits ?? fc.integer({ min: 2, max: 8 });
  const maxK = opts.maxK ?? 2;
  return fc.record({
    mode: fc.constantFrom<RbeMode>('3x3', '1x1'),
    hOut: fc.integer({ min: 1, max: opts.maxHw ?? 5 }),
    wOut: fc.integer({ min: 1, max: opts.maxHw ?? 5 }),
    kIn: fc.integer({ min: 1, max: maxK }).map((n) => 32 * n),
    kOut: fc.integer({ min: 1, max: maxK }).map((n) => 32 * n),
    qa: bits,
    qw: bits,
    qao: bits,
    relu: fc.boolean(),
    shiftDelta: fc.integer({ min: -2, max: 2 }),
    seed: fc.integer({ min: 1, max: 0x7fffffff }),
  });
};

/**
 * The plain reference: y[i][j][k] = clip((Σ x·w · scale[k] + bias[k]) >> shift) with an
 * arithmetic (floor) shift, ReLU clipping to [0, 2^QAO − 1], else to the signed QAO-bit range.
 */
export function plainReference(job: RbeJob, ops: RbeOperands): Int32Array {
  const fs = job.mode === '3x3' ? 3 : 1;
  const wIn = job.wOut + fs - 1;
  const out = new Int32Array(job.hOut * job.wOut * job.kOut);
  const lo = job.norm.relu ? 0n : -(1n << BigInt(job.qao - 1));
  const hi = job.norm.relu ? (1n << BigInt(job.qao)) - 1n : (1n << BigInt(job.qao - 1)) - 1n;
  for (let oy = 0; oy < job.hOut; oy++) {
    for (let ox = 0; ox < job.wOut; ox++) {
      for (let ko = 0; ko < job.kOut; ko++) {
        let sum = 0n;
        for (let c = 0; c < job.kIn; c++) {
          for (let dy = 0; dy < fs; dy++) {
            for (let dx = 0; dx < fs; dx++) {
              const xv = ops.x[((oy + dy) * wIn + ox + dx) * job.kIn + c] ?? 0;
              const wv = ops.w[((ko * fs + dy) * fs + dx) * job.kIn + c] ?? 0;
              sum += BigInt(xv * wv);
            }
          }
        }
        let v =
          (sum * BigInt(job.norm.scale[ko] ?? 0) + BigInt(job.norm.bias[ko] ?? 0)) >> BigInt(job.norm.shift);
        if (v < lo) v = lo;
        if (v > hi) v = hi;
        out[(oy * job.wOut + ox) * job.kOut + ko] = Number(v);
      }
    }
  }
  return out;
}
