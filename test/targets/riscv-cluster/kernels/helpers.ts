/** Random quantized conv layers and a plain integer reference for the kernel tests. */
import type { Graph, QuantSpec } from '../../../../src/graph/ir.js';
import { fixedMultiplier } from '../../../../src/numerics/requant.js';
import {
  codeRange,
  outSize,
  type Bits,
  type QuantConv,
} from '../../../../src/targets/riscv-cluster/kernels/layout.js';
import { convAttrs, graphOf, node, q as nq, tensor } from '../../../numerics/helpers.js';

export interface LayerCase {
  readonly h: number;
  readonly w: number;
  readonly cin: number;
  readonly cout: number;
  readonly k: number;
  readonly stride: number;
  readonly pad: number;
  readonly xBits: Bits;
  readonly wBits: Bits;
  readonly yBits: Bits;
  readonly xSigned?: boolean;
  readonly ySigned?: boolean;
}

/** A small LCG, so every case is reproducible from its seed. */
export function lcg(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

/** Scales of the random layers: s_x, s_w per channel and s_y (all powers of ten-ish, M < 1). */
export interface LayerScales {
  readonly sx: number;
  readonly sw: Float64Array;
  readonly sy: number;
}

export function randomLayer(c: LayerCase, seed: number): { q: QuantConv; scales: LayerScales } {
  const rnd = lcg(seed);
  const xSigned = c.xSigned ?? false;
  const ySigned = c.ySigned ?? false;
  const xr = codeRange(c.xBits, xSigned);
  const wr = codeRange(c.wBits, true);
  const yr = codeRange(c.yBits, ySigned);
  const k = c.k * c.k * c.cin;
  const pick = (r: { lo: number; hi: number }): number => r.lo + rnd(r.hi - r.lo + 1);
  const x = Int32Array.from({ length: c.h * c.w * c.cin }, () => pick(xr));
  // symmetric (narrow) weights, so that the accumulators centre near the bias
  const weights = Int32Array.from({ length: c.cout * k }, () => pick({ lo: wr.lo + 1, hi: wr.hi }));
  const xZero = Math.round((xr.lo + xr.hi) / 2) + rnd(5) - 2;
  const yZero = Math.round((yr.lo + yr.hi) / 2) + rnd(3) - 1;
  const sx = Math.fround(0.02 + rnd(1000) / 20000);
  const sw = Float64Array.from({ length: c.cout }, () => Math.fround(0.01 + rnd(1000) / 50000));
  // an output scale that puts the typical accumulator over the output range
  const spread = Math.sqrt(k) * (xr.hi - xr.lo) * (wr.hi - wr.lo) * 0.1;
  const sy0 = Math.fround((sx * 0.02 * spread) / ((yr.hi - yr.lo) / 2) + rnd(100) / 1e6);
  // the kernels take M < 1: keep s_y above every s_x·s_w
  const sy = Math.max(sy0, Math.fround(sx * Math.max(...sw) * 1.05));
  const multiplier = Float64Array.from(sw, (s) => (sx * s) / sy);
  const span = Math.max(2, Math.round(spread));
  const bias = Int32Array.from({ length: c.cout }, () => rnd(span) - Math.floor(span / 2));
  const q: QuantConv = {
    h: c.h,
    w: c.w,
    cin: c.cin,
    cout: c.cout,
    kh: c.k,
    kw: c.k,
    stride: c.stride,
    pads: [c.pad, c.pad, c.pad, c.pad],
    xBits: c.xBits,
    xSigned,
    wBits: c.wBits,
    yBits: c.yBits,
    ySigned,
    x,
    xZero,
    weights,
    bias,
    multiplier,
    yZero,
  };
  return { q, scales: { sx, sw, sy } };
}

/** round(v / 2^s) of a BigInt, nearest-even. */
function roundShift(v: bigint, s: number): bigint {
  const d = 1n << BigInt(s);
  let qt = v / d;
  let rem = v - qt * d;
  if (rem < 0n) {
    qt -= 1n;
    rem += d;
  }
  const twice = 2n * rem;
  if (twice > d || (twice === d && (qt & 1n) === 1n)) qt += 1n;
  return qt;
}

/**
 * The plain reference: conv on zero-point-shifted codes (padding = the zero point, so 0), plus
 * bias, then y = clamp(round(acc · m0 / 2^s) + zp) with numerics' fixed-point (m0, s), nearest-even.
 */
export function referenceConv(q: QuantConv): Int32Array {
  const { ho, wo } = outSize(q);
  const [pt, pl] = q.pads;
  const y = new Int32Array(ho * wo * q.cout);
  const { lo, hi } = codeRange(q.yBits, q.ySigned);
  for (let n = 0; n < q.cout; n++) {
    const f = fixedMultiplier(q.multiplier[n]!, q.multiplierBits ?? 32);
    for (let oy = 0; oy < ho; oy++) {
      for (let ox = 0; ox < wo; ox++) {
        let acc = q.bias[n]!;
        for (let ky = 0; ky < q.kh; ky++) {
          for (let kx = 0; kx < q.kw; kx++) {
            const iy = oy * q.stride + ky - pt;
            const ix = ox * q.stride + kx - pl;
            if (iy < 0 || iy >= q.h || ix < 0 || ix >= q.w) continue;
            for (let c = 0; c < q.cin; c++) {
              const xv = q.x[(iy * q.w + ix) * q.cin + c]! - q.xZero;
              const wv = q.weights[((n * q.kh + ky) * q.kw + kx) * q.cin + c]!;
              acc += xv * wv;
            }
          }
        }
        const r = Number(roundShift(BigInt(acc) * BigInt(f.multiplier), f.shift)) + q.yZero;
        y[(oy * wo + ox) * q.cout + n] = Math.min(hi, Math.max(lo, r));
      }
    }
  }
  return y;
}

/** The same layer as a numerics graph (NCHW, per-channel int weights, int32 bias, quantized output). */
export function layerGraph(q: QuantConv, s: LayerScales): Graph {
  const fmt = (bits: number, signed: boolean): string => `${signed ? 'int' : 'uint'}${bits}`;
  const k = q.kh * q.kw * q.cin;
  // weights [cout][kh][kw][cin] → [cout][cin][kh][kw]
  const w: number[] = [];
  for (let n = 0; n < q.cout; n++)
    for (let c = 0; c < q.cin; c++)
      for (let ky = 0; ky < q.kh; ky++)
        for (let kx = 0; kx < q.kw; kx++) w.push(q.weights[n * k + (ky * q.kw + kx) * q.cin + c]!);
  const { ho, wo } = outSize(q);
  const wq: QuantSpec = { format: fmt(q.wBits, true), scale: Array.from(s.sw), zeroPoint: 0, axis: 0 };
  const bq: QuantSpec = {
    format: 'int32',
    scale: Array.from(s.sw, (v) => s.sx * v),
    zeroPoint: 0,
    axis: 0,
  };
  const tensors = [
    tensor('x', [1, q.cin, q.h, q.w], { role: 'input', quant: nq(fmt(q.xBits, q.xSigned), s.sx, q.xZero) }),
    tensor('w', [q.cout, q.cin, q.kh, q.kw], { role: 'weight', quant: wq, stored: w }),
    tensor('b', [q.cout], { role: 'bias', quant: bq, stored: Array.from(q.bias) }),
    tensor('y', [1, q.cout, ho, wo], { quant: nq(fmt(q.yBits, q.ySigned), s.sy, q.yZero) }),
  ];
  const attrs = convAttrs({
    outChannels: q.cout,
    kernel: [q.kh, q.kw],
    stride: [q.stride, q.stride],
    pads: q.pads,
  });
  return graphOf(tensors, [node('conv', 'conv2d', ['x', 'w', 'b'], ['y'], attrs)], ['x'], ['y']);
}

/** HWC codes → NCHW stored values, and back. */
export function hwcToChw(v: Int32Array, h: number, w: number, c: number): Float64Array {
  const out = new Float64Array(v.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < c; k++) out[(k * h + y) * w + x] = v[(y * w + x) * c + k]!;
  return out;
}

export function chwToHwc(v: Float64Array, h: number, w: number, c: number): Int32Array {
  const out = new Int32Array(v.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < c; k++) out[(y * w + x) * c + k] = v[(k * h + y) * w + x]!;
  return out;
}
