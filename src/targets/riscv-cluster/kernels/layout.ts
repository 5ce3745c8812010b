/**
 * Data layouts of the generated PULP-NN-style kernels (docs/riscv-cluster-kernels.md), and the
 * helpers that pack a quantized conv layer into memory and read its outputs back.
 *
 * - Activations are HWC (channels fastest), as PULP-NN's kernels read them (reference/pulp.md
 *   §3.6, `pulp_nn_conv_Ho_parallel.c`). The input is stored with its padding border already
 *   filled with the input zero point (what a tiler's DMA transfer would write), so im2col is a
 *   plain copy.
 * - Weights are [Cout][kh][kw][Cin], one row of K = kh·kw·Cin codes per output channel, in the
 *   same order as an im2col row; Cout is padded with zero rows to a multiple of 4 (the 4-channel
 *   block of the 4×2 MAC&LOAD matmul).
 * - Sub-byte codes are packed little-endian within a byte and a word: element i of a byte sits at
 *   bits [i·b + b − 1 : i·b], the SIMD lane order of the `.n` / `.c` dot products and the order
 *   PULP-NN-mixed's `bitins` packing writes (pulp.md §3.6).
 * - Requantization parameters are one 6-word record per (padded) output channel: bias (minus the
 *   input zero point times the channel's weight sum), m0, the 64-bit rounding constant (lo, hi),
 *   the shift of the high word and the tie mask (see `channelParams`).
 */
import { fixedMultiplier } from '../../../formats/fixed-multiplier.js';
import type { RoundingMode } from '../../../formats/types.js';
import { InputError } from '../../../units/errors.js';

export type Bits = 8 | 4 | 2;

/** The shape and formats of one conv2d layer, as the kernels see it. */
export interface ConvShape {
  /** Input height, width and channels. */
  readonly h: number;
  readonly w: number;
  readonly cin: number;
  readonly cout: number;
  /** Kernel height and width. */
  readonly kh: number;
  readonly kw: number;
  /** Stride (both axes). */
  readonly stride: number;
  /** Padding: top, left, bottom, right. */
  readonly pads: readonly [number, number, number, number];
  /** Activation codes: bits and signedness (weights are always signed). */
  readonly xBits: Bits;
  readonly xSigned: boolean;
  readonly wBits: Bits;
  readonly yBits: Bits;
  readonly ySigned: boolean;
}

/** A quantized conv2d layer: integer codes and requantization parameters. */
export interface QuantConv extends ConvShape {
  /** Input codes, HWC, h·w·cin. */
  readonly x: Int32Array;
  readonly xZero: number;
  /** Weight codes, [cout][kh][kw][cin] (weight zero points are 0: symmetric weights). */
  readonly weights: Int32Array;
  /** Bias per output channel, in the accumulator's units (s_x·s_w). */
  readonly bias: Int32Array;
  /** Real requantization multiplier per output channel, M = s_x·s_w / s_y. */
  readonly multiplier: Float64Array;
  readonly yZero: number;
  /** Fixed-point multiplier width (numerics `multiplierBits`, default 32). */
  readonly multiplierBits?: number;
  /** Rounding of the requantization (default nearest-even). */
  readonly rounding?: RoundingMode;
}

/** Output height and width. */
export function outSize(s: ConvShape): { readonly ho: number; readonly wo: number } {
  const [pt, pl, pb, pr] = s.pads;
  return {
    ho: Math.floor((s.h + pt + pb - s.kh) / s.stride) + 1,
    wo: Math.floor((s.w + pl + pr - s.kw) / s.stride) + 1,
  };
}

/** Code range of a format: [lo, hi]. */
export function codeRange(bits: number, signed: boolean): { readonly lo: number; readonly hi: number } {
  return signed ? { lo: -(2 ** (bits - 1)), hi: 2 ** (bits - 1) - 1 } : { lo: 0, hi: 2 ** bits - 1 };
}

/** Pack codes of `bits` bits, element i of a byte at bits i·bits (little-endian). */
export function packCodes(codes: ArrayLike<number>, bits: Bits): Uint8Array {
  const per = 8 / bits;
  const out = new Uint8Array(Math.ceil(codes.length / per));
  const mask = (1 << bits) - 1;
  for (let i = 0; i < codes.length; i++) {
    const byte = Math.floor(i / per);
    out[byte] = out[byte]! | ((codes[i]! & mask) << ((i % per) * bits));
  }
  return out;
}

/** The inverse of `packCodes`: `count` codes, sign-extended when `signed`. */
export function unpackCodes(bytes: Uint8Array, bits: Bits, count: number, signed: boolean): Int32Array {
  const per = 8 / bits;
  const mask = (1 << bits) - 1;
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = (bytes[Math.floor(i / per)]! >> ((i % per) * bits)) & mask;
    out[i] = signed && v >= 1 << (bits - 1) ? v - (1 << bits) : v;
  }
  return out;
}

/** Rounding modes the generated requantization implements. */
export const KERNEL_ROUNDINGS: readonly RoundingMode[] = ['nearest-even', 'nearest-away', 'floor', 'ceil'];

/** Words of one channel's requantization record. */
export const PARAM_WORDS = 6;

/**
 * The requantization record of one output channel. numerics/requant.ts's fixed-point mode gives
 * y = clamp(round(acc · m0 / 2^s) + zp) with one rounding; the kernel computes the 64-bit product
 * acc · m0' (mulhsu + mul, m0' unsigned), adds the rounding constant rc, and keeps the high word
 * shifted right by sh = s' − 32. m0' = m0 · 2^(33 − B) and s' = s + 33 − B (B = multiplierBits),
 * the same ratio, so that s' ≥ 32 whenever M < 1 and m0' < 2^32.
 */
export interface ChannelParams {
  readonly bias: number;
  readonly m0: number;
  readonly rcLo: number;
  readonly rcHi: number;
  readonly sh: number;
  readonly mask: number;
}

/** Integer weight sum of each output channel over its K codes. */
function weightSums(q: QuantConv): Int32Array {
  const k = q.kh * q.kw * q.cin;
  const sums = new Int32Array(q.cout);
  for (let n = 0; n < q.cout; n++) {
    let s = 0;
    for (let i = 0; i < k; i++) s += q.weights[n * k + i]!;
    sums[n] = s;
  }
  return sums;
}

export function channelParams(q: QuantConv): ChannelParams[] {
  const bits = q.multiplierBits ?? 32;
  const rounding = q.rounding ?? 'nearest-even';
  if (!KERNEL_ROUNDINGS.includes(rounding)) {
    throw new InputError([
      { path: 'rounding', value: rounding, expected: `one of ${KERNEL_ROUNDINGS.join(', ')}` },
    ]);
  }
  const sums = weightSums(q);
  return Array.from({ length: q.cout }, (_, n) => {
    const m = q.multiplier[n]!;
    const f = fixedMultiplier(m, bits);
    const m0 = f.multiplier * 2 ** (33 - bits);
    const s = f.shift + 33 - bits;
    if (!(s >= 32 && s <= 63) || m0 >= 2 ** 32) {
      throw new InputError([
        {
          path: `multiplier[${n}]`,
          value: String(m),
          expected: 'a multiplier in [2^−31, 1) (the kernel keeps the high word of a 64-bit product)',
        },
      ]);
    }
    const sh = s - 32;
    const full = 2n ** BigInt(s);
    const rc = rounding === 'floor' ? 0n : rounding === 'ceil' ? full - 1n : full / 2n;
    return {
      // acc = Σ x·w − zx·Σw + bias: the input zero point folded into the bias
      bias: (q.bias[n]! - q.xZero * sums[n]!) | 0,
      m0: m0 | 0,
      rcLo: Number(rc & 0xffffffffn) | 0,
      rcHi: Number(rc >> 32n) | 0,
      sh,
      mask: (2 ** sh - 1) | 0,
    };
  });
}

/** Addresses of a layer's buffers in memory (bytes), from `planMemory`. */
export interface MemoryPlan {
  /** Padded HWC input, (h + pt + pb) · (w + pl + pr) · cin codes. */
  readonly x: number;
  /** Packed weights as stored, [coutPadded][K] at wBits. */
  readonly weights: number;
  /** Weights unpacked to the activation width (mixed precision; equals `weights` otherwise). */
  readonly wUnpacked: number;
  readonly params: number;
  /** Two im2col buffers of K codes each. */
  readonly bufA: number;
  readonly bufB: number;
  /** HWC output, ho · wo · cout codes at yBits. */
  readonly y: number;
  /** Where the second pixel of an odd row end is written and dropped. */
  readonly scratch: number;
  readonly end: number;
  /** Bytes of one padded input pixel, one weight row at the activation width, one output pixel. */
  readonly pixelBytes: number;
  readonly rowBytes: number;
  readonly outPixelBytes: number;
  readonly coutPadded: number;
  readonly hp: number;
  readonly wp: number;
}

const align = (v: number, a: number): number => Math.ceil(v / a) * a;

/** Reasons a layer cannot run on the generated kernels (empty: it can). */
export function unsupported(s: ConvShape): string[] {
  const why: string[] = [];
  if ((s.cin * s.xBits) % 32 !== 0)
    why.push(`cin·xBits = ${s.cin * s.xBits} is not a multiple of 32 (im2col copies whole words)`);
  if (s.wBits > s.xBits)
    why.push(`weights (${s.wBits} bit) wider than activations (${s.xBits} bit): only weights are unpacked`);
  if ((s.cout * s.yBits) % 8 !== 0 || (s.yBits === 2 && s.cout % 4 !== 0))
    why.push(`cout = ${s.cout} does not fill whole output bytes at ${s.yBits} bit`);
  const { ho, wo } = outSize(s);
  if (ho < 1 || wo < 1) why.push('the output is empty');
  return why;
}

export function planMemory(s: ConvShape, base: number): MemoryPlan {
  const [pt, pl, pb, pr] = s.pads;
  const hp = s.h + pt + pb;
  const wp = s.w + pl + pr;
  const k = s.kh * s.kw * s.cin;
  const coutPadded = align(s.cout, 4);
  const pixelBytes = (s.cin * s.xBits) / 8;
  const rowBytes = (k * s.xBits) / 8;
  const { ho, wo } = outSize(s);
  const outPixelBytes = (s.cout * s.yBits) / 8;
  // every buffer is followed by a spare word: the MAC&LOAD loop loads one word ahead
  let at = base;
  const take = (bytes: number): number => {
    const a = at;
    at = align(at + bytes + 4, 16);
    return a;
  };
  const x = take(hp * wp * pixelBytes);
  const weights = take((coutPadded * k * s.wBits) / 8);
  const wUnpacked = s.wBits === s.xBits ? weights : take(coutPadded * rowBytes);
  const params = take(coutPadded * PARAM_WORDS * 4);
  const bufA = take(rowBytes);
  const bufB = take(rowBytes);
  const y = take(ho * wo * outPixelBytes);
  const scratch = take(16);
  return {
    x,
    weights,
    wUnpacked,
    params,
    bufA,
    bufB,
    y,
    scratch,
    end: at,
    pixelBytes,
    rowBytes,
    outPixelBytes,
    coutPadded,
    hp,
    wp,
  };
}

/** The padded input codes (HWC), the border filled with the zero point. */
export function paddedInput(q: QuantConv): Int32Array {
  const [pt, pl, pb, pr] = q.pads;
  const hp = q.h + pt + pb;
  const wp = q.w + pl + pr;
  const out = new Int32Array(hp * wp * q.cin).fill(q.xZero);
  for (let y = 0; y < q.h; y++)
    for (let x = 0; x < q.w; x++)
      for (let c = 0; c < q.cin; c++)
        out[((y + pt) * wp + x + pl) * q.cin + c] = q.x[(y * q.w + x) * q.cin + c]!;
  return out;
}

/** Bytes of every buffer of the plan that holds inputs: [address, bytes]. */
export function layoutLayer(q: QuantConv, plan: MemoryPlan): [number, Uint8Array][] {
  const k = q.kh * q.kw * q.cin;
  const w = new Int32Array(plan.coutPadded * k);
  w.set(q.weights.subarray(0, q.cout * k));
  const params = new Int32Array(plan.coutPadded * PARAM_WORDS);
  channelParams(q).forEach((p, n) => {
    params.set([p.bias, p.m0, p.rcLo, p.rcHi, p.sh, p.mask], n * PARAM_WORDS);
  });
  return [
    [plan.x, packCodes(paddedInput(q), q.xBits)],
    [plan.weights, packCodes(w, q.wBits)],
    [plan.params, new Uint8Array(params.buffer)],
  ];
}
