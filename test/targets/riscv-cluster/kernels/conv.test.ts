/**
 * The generated conv kernels on the ISS against (1) a plain integer reference (conv on zero-point-
 * shifted codes, then numerics' fixed-point requantization) and (2) the numerics executor running
 * the same layer as a graph with `requant: { mode: 'fixed-point' }`.
 */
import { describe, expect, it } from 'vitest';
import { executeGraph } from '../../../../src/numerics/execute.js';
import { runConv } from '../../../../src/targets/riscv-cluster/kernels/run.js';
import {
  outSize,
  packCodes,
  unpackCodes,
  type QuantConv,
} from '../../../../src/targets/riscv-cluster/kernels/layout.js';
import { chwToHwc, hwcToChw, layerGraph, randomLayer, referenceConv, type LayerCase } from './helpers.js';

const base = { xBits: 8, wBits: 8, yBits: 8 } as const;
const CASES: LayerCase[] = [
  // 8 × 8 bit: 3×3 and 1×1, stride 1 and 2, padding 0 and 1, odd widths, Cout not a multiple of 4
  { ...base, h: 4, w: 4, cin: 8, cout: 4, k: 3, stride: 1, pad: 1 },
  { ...base, h: 5, w: 5, cin: 8, cout: 8, k: 3, stride: 1, pad: 0 },
  { ...base, h: 7, w: 6, cin: 12, cout: 6, k: 3, stride: 2, pad: 1 },
  { ...base, h: 6, w: 5, cin: 32, cout: 16, k: 1, stride: 1, pad: 0 },
  { ...base, h: 8, w: 7, cin: 16, cout: 5, k: 1, stride: 2, pad: 0 },
  { ...base, h: 5, w: 4, cin: 8, cout: 7, k: 3, stride: 1, pad: 1, xSigned: true, ySigned: true },
  // 4 bit
  { h: 5, w: 7, cin: 16, cout: 6, k: 3, stride: 2, pad: 1, xBits: 4, wBits: 4, yBits: 4 },
  { h: 6, w: 6, cin: 8, cout: 8, k: 3, stride: 1, pad: 1, xBits: 4, wBits: 4, yBits: 4, ySigned: true },
  { h: 4, w: 5, cin: 24, cout: 12, k: 1, stride: 1, pad: 0, xBits: 4, wBits: 4, yBits: 8 },
  // 2 bit
  { h: 6, w: 5, cin: 16, cout: 8, k: 1, stride: 1, pad: 0, xBits: 2, wBits: 2, yBits: 2 },
  { h: 5, w: 5, cin: 32, cout: 4, k: 3, stride: 1, pad: 1, xBits: 2, wBits: 2, yBits: 2 },
  { h: 6, w: 7, cin: 16, cout: 12, k: 3, stride: 2, pad: 0, xBits: 2, wBits: 2, yBits: 4 },
  // mixed: 8-bit activations × 4-bit / 2-bit weights, 4-bit activations × 2-bit weights
  { h: 6, w: 5, cin: 8, cout: 6, k: 3, stride: 1, pad: 1, xBits: 8, wBits: 4, yBits: 8 },
  { h: 5, w: 6, cin: 16, cout: 8, k: 1, stride: 1, pad: 0, xBits: 8, wBits: 4, yBits: 4 },
  { h: 5, w: 5, cin: 12, cout: 4, k: 3, stride: 2, pad: 1, xBits: 8, wBits: 2, yBits: 8 },
  { h: 5, w: 5, cin: 16, cout: 8, k: 3, stride: 1, pad: 0, xBits: 4, wBits: 2, yBits: 2 },
];

const label = (c: LayerCase): string =>
  `a${c.xBits}w${c.wBits}→${c.yBits} ${c.k}×${c.k}/s${c.stride}/p${c.pad} ${c.h}×${c.w}×${c.cin}→${c.cout}` +
  `${c.xSigned === true ? ' signed x' : ''}${c.ySigned === true ? ' signed y' : ''}`;

/** The numerics executor's output codes for the layer, HWC. */
function executorOutput(q: QuantConv, c: LayerCase, seed: number): Int32Array {
  const { scales } = randomLayer(c, seed);
  const g = layerGraph(q, scales);
  const out = executeGraph(g, new Map([['x', { stored: hwcToChw(q.x, q.h, q.w, q.cin) }]]), {
    requant: { mode: 'fixed-point' },
  });
  const { ho, wo } = outSize(q);
  return chwToHwc(out.get('y')!.stored!, ho, wo, q.cout);
}

describe('packing', () => {
  it('packs sub-byte codes little-endian within a byte and round-trips', () => {
    expect(Array.from(packCodes([1, -2, 3, 0], 4))).toEqual([0xe1, 0x03]);
    expect(Array.from(packCodes([1, 2, 3, -1], 2))).toEqual([0b11111001]);
    const codes = [-8, 7, 3, -1, 0, 5];
    expect(Array.from(unpackCodes(packCodes(codes, 4), 4, 6, true))).toEqual(codes);
  });
});

describe('conv kernels on the ISS: bit-exact', () => {
  for (const [i, c] of CASES.entries()) {
    it(label(c), () => {
      const seed = 100 + i;
      const { q } = randomLayer(c, seed);
      const r = runConv(q);
      const ref = referenceConv(q);
      expect(Array.from(r.y)).toEqual(Array.from(ref));
      expect(Array.from(r.y)).toEqual(Array.from(executorOutput(q, c, seed)));
      // the outputs are not all saturated
      expect(new Set(ref).size).toBeGreaterThan(2);
      expect(r.counts['mac.int' + String(c.xBits)]).toBeGreaterThan(0);
    });
  }

  it('a range of output rows (one core’s share) writes only those rows', () => {
    const c = CASES[2]!;
    const { q } = randomLayer(c, 102);
    const { wo } = outSize(q);
    const ref = referenceConv(q);
    const part = runConv(q, { rowStart: 1, rowEnd: 3 });
    const lo = 1 * wo * q.cout;
    const hi = 3 * wo * q.cout;
    expect(Array.from(part.y.subarray(lo, hi))).toEqual(Array.from(ref.subarray(lo, hi)));
    expect(part.y.subarray(0, lo).every((v) => v === 0)).toBe(true);
  });

  for (const rounding of ['floor', 'ceil', 'nearest-away'] as const) {
    it(`rounding ${rounding} matches the executor`, () => {
      const c = CASES[1]!;
      const { q: q0, scales } = randomLayer(c, 101);
      const q = { ...q0, rounding };
      const r = runConv(q);
      const out = executeGraph(
        layerGraph(q, scales),
        new Map([['x', { stored: hwcToChw(q.x, q.h, q.w, q.cin) }]]),
        {
          requant: { mode: 'fixed-point', rounding },
        },
      );
      const { ho, wo } = outSize(q);
      expect(Array.from(r.y)).toEqual(Array.from(chwToHwc(out.get('y')!.stored!, ho, wo, q.cout)));
    });
  }

  it('refuses layers outside the kernels, with every reason', () => {
    const { q } = randomLayer({ ...base, h: 4, w: 4, cin: 6, cout: 4, k: 3, stride: 1, pad: 1 }, 1);
    expect(() => runConv(q)).toThrow(/multiple of 32/);
    const { q: q2 } = randomLayer(
      { h: 4, w: 4, cin: 8, cout: 4, k: 1, stride: 1, pad: 0, xBits: 4, wBits: 8, yBits: 8 },
      1,
    );
    expect(() => runConv(q2)).toThrow(/wider than activations/);
  });
});
