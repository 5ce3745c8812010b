/**
 * The accumulation kernels of the executor: out[m, n] = init[n] ⊕ Σ_k a[m, k] · b[n, k], with both
 * operands k-contiguous (a is M×K, b is N×K, row-major) and k in the GEMM view's order
 * (mapping/gemm.ts).
 *
 * Two ways to compute the same thing:
 *  - ordered: every product and every add goes through the accumulator's arithmetic
 *    (formats/arith.ts macArithmetic), k = 0 … K−1 from init, or with partialSumRows = r in
 *    partial sums over r consecutive k each, started from 0 and added to the running total in
 *    order, exactly as src/targets/systolic/values.ts (a ws/is array with r rows) does;
 *  - exact: the float64 sum of integer products, register-blocked (4×4 outputs per pass). It is the
 *    ordered result whenever no partial sum can leave the accumulator's range (then no add ever
 *    wraps or saturates, in any order), and, for a wrapping accumulator, whenever the exact sum
 *    stays below 2^53 (two's complement wrap-around is addition modulo 2^bits, so wrapping once
 *    at the end equals wrapping at every add).
 * `accumulate` proves which applies from a bound on every partial sum, max|a| · max_n Σ_k |b[n,k]|
 * (+ max|init|), and picks the fast one.
 */
import type { MacArithmetic } from '../formats/arith.js';
import type { NumberFormat } from '../formats/types.js';

/** A[M×K] · B[N×K]ᵀ with both operands k-contiguous. */
export interface GemmOperands {
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /**
   * Optional bounds the caller already knows (computed from a and b when absent): max|a| over a
   * (any upper bound is valid, e.g. the max over the tensor a was cut from) and max_n Σ_k |b[n,k]|.
   */
  readonly aMaxAbs?: number;
  readonly bRowAbsSum?: number;
}

/** Where output (m, n) goes: out[offset + m·strideM + n·strideN]. */
export interface GemmOutput {
  readonly out: Float64Array;
  readonly offset: number;
  readonly strideM: number;
  readonly strideN: number;
}

/** The accumulator of one layer. */
export interface Accumulator {
  readonly arithmetic: MacArithmetic;
  readonly format: NumberFormat;
  /** 0: one accumulator over all k; r > 0: partial sums over r consecutive k. */
  readonly partialSumRows: number;
}

/** Which kernel `accumulate` used. */
export type AccumulationPath = 'exact' | 'exact-wrapped' | 'ordered';

const EXACT_LIMIT = 2 ** 53;

export function maxAbs(x: Float64Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const v = Math.abs(x[i]!);
    if (v > m) m = v;
  }
  return m;
}

/** max |Σ_k a[m,k]·b[n,k]| over every partial sum: max|a| · max_n Σ_k |b[n,k]|. */
function rowBound(g: GemmOperands): number {
  return (g.aMaxAbs ?? maxAbs(g.a)) * (g.bRowAbsSum ?? maxRowAbsSum(g.b, g.n, g.k));
}

/** max_n Σ_k |b[n,k]| of an N×K matrix. */
export function maxRowAbsSum(b: Float64Array, rows: number, k: number): number {
  let rowMax = 0;
  for (let n = 0; n < rows; n++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += Math.abs(b[n * k + j]!);
    if (s > rowMax) rowMax = s;
  }
  return rowMax;
}

/**
 * The kernel that gives the ordered result for these operands: `exact` when no partial sum can
 * overflow the accumulator, `exact-wrapped` for a wrapping integer accumulator whose exact sum
 * fits float64, `ordered` otherwise (floating accumulators always: they round at every add).
 */
export function accumulationPath(
  g: GemmOperands,
  init: Float64Array | undefined,
  acc: Accumulator,
): AccumulationPath {
  if (acc.format.kind !== 'int') return 'ordered';
  // every partial sum of output (m, n) is at most max|a| · Σ_k |b[n,k]| (+ |init[n]|) in magnitude
  const bound = rowBound(g) + (init === undefined ? 0 : maxAbs(init));
  if (bound <= acc.format.maxValue) return 'exact';
  if (acc.arithmetic.overflow === 'wrap' && bound < EXACT_LIMIT) return 'exact-wrapped';
  return 'ordered';
}

/** Compute the layer's accumulators with the fastest kernel that gives the ordered result. */
export function accumulate(
  g: GemmOperands,
  init: Float64Array | undefined,
  acc: Accumulator,
  o: GemmOutput,
): AccumulationPath {
  const path = accumulationPath(g, init, acc);
  if (path === 'ordered') accumulateOrdered(g, init, acc.arithmetic, acc.partialSumRows, o);
  else accumulateExact(g, init, o);
  if (acc.format.kind !== 'int') return path;
  // wrap once (exact-wrapped); an integer has no signed zero (x % 2^bits can give −0)
  const fit = path === 'exact-wrapped' ? acc.arithmetic.add : (_: number, x: number): number => x;
  for (let m = 0; m < g.m; m++) {
    for (let n = 0; n < g.n; n++) {
      const i = o.offset + m * o.strideM + n * o.strideN;
      o.out[i] = fit(0, o.out[i]!) + 0;
    }
  }
  return path;
}

/**
 * Every MAC through the accumulator's arithmetic, in k order (see the file comment). With a bias
 * (init) the running total starts at it; without one, the first partial sum is the total, as in
 * the systolic array.
 */
export function accumulateOrdered(
  g: GemmOperands,
  init: Float64Array | undefined,
  ar: MacArithmetic,
  partialSumRows: number,
  o: GemmOutput,
): void {
  const { a, b, m: M, n: N, k: K } = g;
  const { mac, add } = ar;
  const rows = partialSumRows > 0 ? partialSumRows : K;
  for (let n = 0; n < N; n++) {
    const bBase = n * K;
    const start = init?.[n];
    for (let m = 0; m < M; m++) {
      const aBase = m * K;
      let total: number;
      if (partialSumRows <= 0) {
        total = start ?? 0;
        for (let k = 0; k < K; k++) total = mac(total, a[aBase + k]!, b[bBase + k]!);
      } else {
        total = start ?? 0;
        for (let k0 = 0; k0 < K; k0 += rows) {
          let psum = 0;
          const k1 = Math.min(K, k0 + rows);
          for (let k = k0; k < k1; k++) psum = mac(psum, a[aBase + k]!, b[bBase + k]!);
          total = k0 === 0 && start === undefined ? psum : add(total, psum);
        }
      }
      o.out[o.offset + m * o.strideM + n * o.strideN] = total;
    }
  }
}

/**
 * Exact sums init[n] + Σ_k a[m,k]·b[n,k] in float64 (exact while every partial sum is an integer
 * below 2^53 in magnitude): two rows of b packed per float64 when that is exact (packingShift),
 * 4×4 (packed) outputs per pass, which keeps 16 sums in registers and loads each operand once per
 * four uses.
 */
export function accumulateExact(g: GemmOperands, init: Float64Array | undefined, o: GemmOutput): void {
  const shift = packingShift(g);
  if (shift === undefined) sumBlocked(g, init, o);
  else sumPacked(g, init, o, shift);
}

/**
 * Two rows of b in one float64: b[2p] + b[2p+1]·2^S. One multiply-add then makes two MACs, and
 * the two sums separate exactly when every partial sum of the low row stays below 2^(S−1) and
 * every packed partial sum below 2^53. With P = max|a| · max_n Σ_k |b[n,k]| bounding every
 * partial sum of one row, S = the least integer with 2^(S−1) > P works when P·(2^S + 1) < 2^53
 * (int8 layers: P is about 2^24 for K = 4608). Undefined when packing is not exact or not useful.
 */
export function packingShift(g: GemmOperands): number | undefined {
  if (g.n < 2) return undefined;
  const p = rowBound(g);
  let shift = 1;
  while (2 ** (shift - 1) <= p) shift++;
  return p * (2 ** shift + 1) < EXACT_LIMIT ? shift : undefined;
}

function sumPacked(g: GemmOperands, init: Float64Array | undefined, o: GemmOutput, shift: number): void {
  const { m: M, n: N, k: K } = g;
  const P = Math.ceil(N / 2);
  const scale = 2 ** shift;
  const packed = new Float64Array(P * K);
  for (let p = 0; p < P; p++) {
    const lo = 2 * p * K;
    const hi = lo + K;
    const has = 2 * p + 1 < N;
    for (let k = 0; k < K; k++) packed[p * K + k] = g.b[lo + k]! + (has ? g.b[hi + k]! * scale : 0);
  }
  const sums = new Float64Array(M * P);
  sumBlocked({ a: g.a, b: packed, m: M, n: P, k: K }, undefined, {
    out: sums,
    offset: 0,
    strideM: P,
    strideN: 1,
  });
  const inv = 1 / scale;
  for (let m = 0; m < M; m++) {
    for (let p = 0; p < P; p++) {
      const t = sums[m * P + p]!;
      const high = Math.round(t * inv);
      const low = t - high * scale;
      const n = 2 * p;
      const base = o.offset + m * o.strideM;
      o.out[base + n * o.strideN] = low + (init === undefined ? 0 : init[n]!);
      if (n + 1 < N) o.out[base + (n + 1) * o.strideN] = high + (init === undefined ? 0 : init[n + 1]!);
    }
  }
}

function sumBlocked(g: GemmOperands, init: Float64Array | undefined, o: GemmOutput): void {
  const { m: M, n: N } = g;
  const n4 = N - (N % 4);
  const m4 = M - (M % 4);
  for (let n = 0; n < n4; n += 4) {
    for (let m = 0; m < m4; m += 4) block4x4(g, init, o, m, n);
    for (let m = m4; m < M; m++) for (let j = n; j < n + 4; j++) single(g, init, o, m, j);
  }
  for (let n = n4; n < N; n++) {
    for (let m = 0; m < m4; m += 4) column4(g, init, o, m, n);
    for (let m = m4; m < M; m++) single(g, init, o, m, n);
  }
}

function single(g: GemmOperands, init: Float64Array | undefined, o: GemmOutput, m: number, n: number): void {
  const { a, b, k: K } = g;
  const aBase = m * K;
  const bBase = n * K;
  let s = init === undefined ? 0 : init[n]!;
  for (let k = 0; k < K; k++) s += a[aBase + k]! * b[bBase + k]!;
  o.out[o.offset + m * o.strideM + n * o.strideN] = s;
}

/** Four rows of a against one row of b. */
function column4(g: GemmOperands, init: Float64Array | undefined, o: GemmOutput, m: number, n: number): void {
  const { a, b, k: K } = g;
  const a0 = m * K;
  const a1 = a0 + K;
  const a2 = a1 + K;
  const a3 = a2 + K;
  const bb = n * K;
  const s = init === undefined ? 0 : init[n]!;
  let c0 = s;
  let c1 = s;
  let c2 = s;
  let c3 = s;
  for (let k = 0; k < K; k++) {
    const w = b[bb + k]!;
    c0 += a[a0 + k]! * w;
    c1 += a[a1 + k]! * w;
    c2 += a[a2 + k]! * w;
    c3 += a[a3 + k]! * w;
  }
  const base = o.offset + n * o.strideN + m * o.strideM;
  const sm = o.strideM;
  o.out[base] = c0;
  o.out[base + sm] = c1;
  o.out[base + 2 * sm] = c2;
  o.out[base + 3 * sm] = c3;
}

function block4x4(
  g: GemmOperands,
  init: Float64Array | undefined,
  o: GemmOutput,
  m: number,
  n: number,
): void {
  const { a, b, k: K } = g;
  const a0 = m * K;
  const a1 = a0 + K;
  const a2 = a1 + K;
  const a3 = a2 + K;
  const b0 = n * K;
  const b1 = b0 + K;
  const b2 = b1 + K;
  const b3 = b2 + K;
  const i0 = init === undefined ? 0 : init[n]!;
  const i1 = init === undefined ? 0 : init[n + 1]!;
  const i2 = init === undefined ? 0 : init[n + 2]!;
  const i3 = init === undefined ? 0 : init[n + 3]!;
  // c<row of a><row of b>
  let c00 = i0;
  let c01 = i1;
  let c02 = i2;
  let c03 = i3;
  let c10 = i0;
  let c11 = i1;
  let c12 = i2;
  let c13 = i3;
  let c20 = i0;
  let c21 = i1;
  let c22 = i2;
  let c23 = i3;
  let c30 = i0;
  let c31 = i1;
  let c32 = i2;
  let c33 = i3;
  for (let k = 0; k < K; k++) {
    const x0 = a[a0 + k]!;
    const x1 = a[a1 + k]!;
    const x2 = a[a2 + k]!;
    const x3 = a[a3 + k]!;
    const w0 = b[b0 + k]!;
    const w1 = b[b1 + k]!;
    const w2 = b[b2 + k]!;
    const w3 = b[b3 + k]!;
    c00 += x0 * w0;
    c01 += x0 * w1;
    c02 += x0 * w2;
    c03 += x0 * w3;
    c10 += x1 * w0;
    c11 += x1 * w1;
    c12 += x1 * w2;
    c13 += x1 * w3;
    c20 += x2 * w0;
    c21 += x2 * w1;
    c22 += x2 * w2;
    c23 += x2 * w3;
    c30 += x3 * w0;
    c31 += x3 * w1;
    c32 += x3 * w2;
    c33 += x3 * w3;
  }
  const out = o.out;
  const sm = o.strideM;
  const sn = o.strideN;
  const r0 = o.offset + m * sm + n * sn;
  const r1 = r0 + sm;
  const r2 = r1 + sm;
  const r3 = r2 + sm;
  out[r0] = c00;
  out[r0 + sn] = c01;
  out[r0 + 2 * sn] = c02;
  out[r0 + 3 * sn] = c03;
  out[r1] = c10;
  out[r1 + sn] = c11;
  out[r1 + 2 * sn] = c12;
  out[r1 + 3 * sn] = c13;
  out[r2] = c20;
  out[r2 + sn] = c21;
  out[r2 + 2 * sn] = c22;
  out[r2 + 3 * sn] = c23;
  out[r3] = c30;
  out[r3 + sn] = c31;
  out[r3 + 2 * sn] = c32;
  out[r3 + 3 * sn] = c33;
}
