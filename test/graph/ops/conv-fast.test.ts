/**
 * The conv2d reference kernel (im2col + blocked GEMM per group, direct loop for depthwise-like
 * groups and special inputs) against a naive direct convolution written here: for each output,
 * a float64 sum from the bias over the taps inside the input in (ci, ky, kx) order, rounded once
 * to float32. The results must be identical (toEqual on Float32Array tells −0 from +0).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Conv2dAttrs, FloatTensor } from '../../../src/graph/ir.js';
import { conv, node, randomData, run } from './helpers.js';

interface Case {
  readonly n: number;
  readonly groups: number;
  readonly cg: number;
  readonly mg: number;
  readonly h: number;
  readonly w: number;
  readonly kernel: [number, number];
  readonly stride: [number, number];
  readonly dilation: [number, number];
  readonly pads: [number, number, number, number];
  readonly bias: boolean;
  readonly seed: number;
}

const pair = (max: number): fc.Arbitrary<[number, number]> =>
  fc.tuple(fc.integer({ min: 1, max }), fc.integer({ min: 1, max }));

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    n: fc.integer({ min: 1, max: 2 }),
    groups: fc.integer({ min: 1, max: 3 }),
    cg: fc.integer({ min: 1, max: 4 }),
    // < 4 output channels per group: the direct loop; ≥ 4: im2col + GEMM (with 4×4 edges)
    mg: fc.integer({ min: 1, max: 9 }),
    h: fc.integer({ min: 1, max: 9 }),
    w: fc.integer({ min: 1, max: 9 }),
    kernel: pair(3),
    stride: pair(3),
    dilation: pair(2),
    pads: fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
    bias: fc.boolean(),
    seed: fc.nat(),
  })
  .filter(
    (c) =>
      c.dilation[0] * (c.kernel[0] - 1) + 1 <= c.h + c.pads[0] + c.pads[2] &&
      c.dilation[1] * (c.kernel[1] - 1) + 1 <= c.w + c.pads[1] + c.pads[3],
  );

function attrsOf(c: Case): Conv2dAttrs {
  return conv({
    outChannels: c.groups * c.mg,
    kernel: c.kernel,
    stride: c.stride,
    pads: c.pads,
    dilation: c.dilation,
    groups: c.groups,
  });
}

const outSize = (size: number, k: number, s: number, p0: number, p1: number, d: number): number =>
  Math.floor((size + p0 + p1 - d * (k - 1) - 1) / s) + 1;

/** The textbook convolution: one float64 sum per output, padded taps skipped, rounded once. */
function naiveConv(a: Conv2dAttrs, x: FloatTensor, w: FloatTensor, b: FloatTensor | undefined): FloatTensor {
  const [n, c, h, wd] = x.shape as [number, number, number, number];
  const m = a.outChannels;
  const [kh, kw] = a.kernel;
  const ho = outSize(h, kh, a.stride[0], a.pads[0], a.pads[2], a.dilation[0]);
  const wo = outSize(wd, kw, a.stride[1], a.pads[1], a.pads[3], a.dilation[1]);
  const cg = c / a.groups;
  const mg = m / a.groups;
  const out = new Float32Array(n * m * ho * wo);
  for (let img = 0; img < n; img++) {
    for (let oc = 0; oc < m; oc++) {
      const group = Math.floor(oc / mg);
      for (let oh = 0; oh < ho; oh++) {
        for (let ow = 0; ow < wo; ow++) {
          let s = b === undefined ? 0 : b.data[oc]!;
          for (let ci = 0; ci < cg; ci++) {
            for (let ky = 0; ky < kh; ky++) {
              const iy = oh * a.stride[0] - a.pads[0] + ky * a.dilation[0];
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ow * a.stride[1] - a.pads[1] + kx * a.dilation[1];
                if (ix < 0 || ix >= wd) continue;
                const xv = x.data[((img * c + group * cg + ci) * h + iy) * wd + ix]!;
                const wv = w.data[((oc * cg + ci) * kh + ky) * kw + kx]!;
                s += xv * wv;
              }
            }
          }
          out[((img * m + oc) * ho + oh) * wo + ow] = s;
        }
      }
    }
  }
  return { shape: [n, m, ho, wo], data: out };
}

/**
 * Values over 2^±40, so that products span 2^±80 and float64 sums cancel: a different summation
 * order would then show even after rounding to float32.
 */
function spreadData(len: number, seed: number): Float32Array {
  const base = randomData(len, seed);
  const scale = randomData(len, seed ^ 0x5bd1e995);
  return base.map((v, i) => v * 2 ** Math.round(scale[i]! * 40));
}

const LADDER = [2 ** 30, -(2 ** 30), 1, -1, 3, 2 ** -20, -(2 ** 31), 0.5];

/**
 * Values from a few magnitudes: products of 2^30 cancel exactly and a small one between them is
 * kept or lost depending on where it falls, so the (ci, ky, kx) summation order is observable.
 */
function cancellingData(len: number, seed: number): Float32Array {
  return randomData(len, seed).map((u) => LADDER[Math.floor(((u + 1) / 2) * LADDER.length)]!);
}

const SPECIALS = [0, -0, Infinity, -Infinity, NaN, 3e38, -1e-45];

/** spreadData with about one value in `every` replaced by a special one. */
function withSpecials(data: Float32Array, seed: number, every: number): Float32Array {
  const pick = randomData(data.length, seed ^ 0x27d4eb2f);
  return data.map((v, i) => {
    const u = (pick[i]! + 1) / 2;
    return u * every < 1 ? SPECIALS[Math.floor(u * every * SPECIALS.length)]! : v;
  });
}

function tensors(c: Case, special: (d: Float32Array, salt: number) => Float32Array) {
  const m = c.groups * c.mg;
  const xShape = [c.n, c.groups * c.cg, c.h, c.w];
  const wShape = [m, c.cg, c.kernel[0], c.kernel[1]];
  const size = (s: readonly number[]): number => s.reduce((p, q) => p * q, 1);
  const x: FloatTensor = { shape: xShape, data: special(spreadData(size(xShape), c.seed), 1) };
  const w: FloatTensor = { shape: wShape, data: special(spreadData(size(wShape), c.seed + 1), 2) };
  const b: FloatTensor | undefined = c.bias
    ? { shape: [m], data: special(spreadData(m, c.seed + 2), 3) }
    : undefined;
  return { x, w, b };
}

function check(c: Case, special: (d: Float32Array, salt: number) => Float32Array): void {
  const a = attrsOf(c);
  const { x, w, b } = tensors(c, special);
  const ours =
    b === undefined
      ? run(node('conv2d', a, ['x', 'w']), [x, w])
      : run(node('conv2d', a, ['x', 'w', 'b']), [x, w, b]);
  const naive = naiveConv(a, x, w, b);
  expect(ours.shape).toEqual(naive.shape);
  expect(ours.data).toEqual(naive.data);
}

describe('conv2d reference kernel equals a naive direct convolution exactly', () => {
  it('finite values of spread magnitudes (padding, stride, dilation, groups)', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        check(c, (d) => d);
      }),
      { numRuns: 300 },
    );
  });

  it('cancelling values (the summation order shows in the float32 result)', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        check(c, (d, salt) => cancellingData(d.length, c.seed * 7 + salt));
      }),
      { numRuns: 300 },
    );
  });

  it('with ±0, ±∞, NaN, huge and subnormal values mixed in', () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 3, max: 40 }), (c, every) => {
        check(c, (d, salt) => withSpecials(d, c.seed + salt, every));
      }),
      { numRuns: 200 },
    );
  });

  it('a −0 bias with all-zero products stays −0 (the GEMM path would give +0 on padded taps)', () => {
    const c: Case = {
      n: 1,
      groups: 1,
      cg: 2,
      mg: 4,
      h: 3,
      w: 3,
      kernel: [3, 3],
      stride: [1, 1],
      dilation: [1, 1],
      pads: [1, 1, 1, 1],
      bias: true,
      seed: 1,
    };
    const a = attrsOf(c);
    const x: FloatTensor = { shape: [1, 2, 3, 3], data: new Float32Array(18).fill(-0) };
    const w: FloatTensor = { shape: [4, 2, 3, 3], data: new Float32Array(72).fill(1) };
    const b: FloatTensor = { shape: [4], data: Float32Array.from([-0, 0, -0, 1]) };
    const ours = run(node('conv2d', a, ['x', 'w', 'b']), [x, w, b]);
    expect(ours.data).toEqual(naiveConv(a, x, w, b).data);
    expect(Object.is(ours.data[0], -0)).toBe(true);
  });
});
