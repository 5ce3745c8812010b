import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PoolAttrs } from '../../../src/graph/ir.js';
import { ft, macsOf, node, pool, problemsOf, randomTensor, run, shapesOf } from './helpers.js';
import { closeness, tfPool } from './tf-oracle.js';

const x4 = ft(
  [1, 1, 4, 4],
  Array.from({ length: 16 }, (_, i) => i + 1),
);
const x3 = ft([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);

describe('pool shapes', () => {
  it('ResNet maxpool 3×3/2 pad 1: 112 → 56, no MACs', () => {
    const n = node('maxpool', pool({ kernel: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1] }));
    // floor((112 + 2 − 3)/2) + 1 = 55 + 1 = 56
    expect(shapesOf(n, [[1, 64, 112, 112]])).toEqual([[1, 64, 56, 56]]);
    expect(macsOf(n, [[1, 64, 112, 112]])).toBe(0);
  });

  it('GoogLeNet ceil-mode maxpool 3×3/2: 112 → 56 (floor would give 55)', () => {
    const n = node('maxpool', pool({ kernel: [3, 3], stride: [2, 2], ceilMode: true }));
    // ceil((112 − 3)/2) + 1 = ceil(54.5) + 1 = 56; last start (56 − 1)·2 = 110 < 112 → kept
    expect(shapesOf(n, [[1, 64, 112, 112]])).toEqual([[1, 64, 56, 56]]);
    const f = node('maxpool', pool({ kernel: [3, 3], stride: [2, 2] }));
    expect(shapesOf(f, [[1, 64, 112, 112]])).toEqual([[1, 64, 55, 55]]);
  });

  it('ceil mode drops a window that would start in the bottom padding', () => {
    // H = 5, k = 2, s = 2, pads 1/1: ceil((5 + 2 − 2)/2) + 1 = 3 + 1 = 4, but (4 − 1)·2 = 6 ≥ 5 + 1 → 3
    const n = node('avgpool', pool({ kernel: [2, 2], stride: [2, 2], pads: [1, 1, 1, 1], ceilMode: true }));
    expect(shapesOf(n, [[1, 1, 5, 5]])).toEqual([[1, 1, 3, 3]]);
    // H = 6, k = 3, s = 2, no pads: ceil(3/2) + 1 = 3, last start 4 < 6 → 3 (floor: 2)
    const m = node('avgpool', pool({ kernel: [3, 3], stride: [2, 2], ceilMode: true }));
    expect(shapesOf(m, [[1, 1, 6, 7]])).toEqual([[1, 1, 3, 3]]);
  });

  it('globalavgpool keeps the rank', () => {
    const n = node('globalavgpool', {});
    expect(shapesOf(n, [[2, 512, 7, 7]])).toEqual([[2, 512, 1, 1]]);
    expect(shapesOf(n, [[2, 8, 5]])).toEqual([[2, 8, 1]]);
    expect(problemsOf(n, [[2, 8]])).toEqual([
      'inputs[0] (x): got shape [2,8] (rank 2); expected rank 3 or more',
    ]);
  });
});

describe('pool validation', () => {
  it('rejects pads not smaller than the kernel', () => {
    const n = node('maxpool', pool({ kernel: [3, 2], pads: [1, 2, 0, 0] }));
    expect(problemsOf(n, [[1, 1, 8, 8]])).toEqual([
      'attrs.pads: got [1,2,0,0]; expected each pad smaller than the kernel [3,2] along its axis',
    ]);
  });

  it('rejects a window larger than the padded input and bad flags', () => {
    const n = node('avgpool', pool({ kernel: [5, 5], pads: [1, 1, 1, 1] }));
    expect(problemsOf(n, [[1, 1, 2, 4]])).toEqual([
      'attrs.kernel: got [5,5]; expected a window no larger than the padded input 4×6 (x [1,1,2,4], pads [1,1,1,1])',
    ]);
    const bad = {
      kernel: [2, 2],
      stride: [0, 1],
      pads: [0, 0, 0, 0],
      ceilMode: 1,
      countIncludePad: false,
    } as unknown as PoolAttrs;
    expect(problemsOf(node('avgpool', bad), [[1, 1, 4, 4]])).toEqual([
      'attrs.stride: got [0,1]; expected two positive integers [h, w]',
      'attrs.ceilMode: got 1; expected true or false',
    ]);
  });
});

describe('pool reference, hand-computed', () => {
  it('ONNX averagepool_2d_ceil: 4×4, k3 s2 ceil → [[6, 7.5], [12, 13.5]]', () => {
    // window (0,1) covers rows 0–2, cols 2–3: (3+4+7+8+11+12)/6 = 7.5; the overhang column is never counted
    for (const countIncludePad of [false, true]) {
      const y = run(
        node('avgpool', pool({ kernel: [3, 3], stride: [2, 2], ceilMode: true, countIncludePad })),
        [x4],
      );
      expect(Array.from(y.data)).toEqual([6, 7.5, 12, 13.5]);
    }
  });

  it('ceil-mode maxpool on the same input', () => {
    // windows: rows 0–2 × cols 0–2 → 11; × cols 2–3 → 12; rows 2–3 × cols 0–2 → 15; → 16
    const y = run(node('maxpool', pool({ kernel: [3, 3], stride: [2, 2], ceilMode: true })), [x4]);
    expect(Array.from(y.data)).toEqual([11, 12, 15, 16]);
  });

  it('avgpool 2×2/2 pad 1 with and without counting the padding', () => {
    // windows: {1}, {2,3}, {4,7}, {5,6,8,9} → sums 1, 5, 11, 28
    const inc = run(
      node('avgpool', pool({ kernel: [2, 2], stride: [2, 2], pads: [1, 1, 1, 1], countIncludePad: true })),
      [x3],
    );
    expect(Array.from(inc.data)).toEqual([1 / 4, 5 / 4, 11 / 4, 28 / 4]);
    const exc = run(node('avgpool', pool({ kernel: [2, 2], stride: [2, 2], pads: [1, 1, 1, 1] })), [x3]);
    expect(Array.from(exc.data)).toEqual([1, 2.5, 5.5, 7]);
  });

  it('ONNX averagepool_2d_precomputed_pads: 5×5, k5, pads 2', () => {
    const x = ft(
      [1, 1, 5, 5],
      Array.from({ length: 25 }, (_, i) => i + 1),
    );
    const y = run(node('avgpool', pool({ kernel: [5, 5], pads: [2, 2, 2, 2] })), [x]);
    expect(Array.from(y.data)).toEqual([
      7, 7.5, 8, 8.5, 9, 9.5, 10, 10.5, 11, 11.5, 12, 12.5, 13, 13.5, 14, 14.5, 15, 15.5, 16, 16.5, 17, 17.5,
      18, 18.5, 19,
    ]);
  });

  it('maxpool ignores padding even when all values are negative', () => {
    const neg = ft([1, 1, 2, 2], [-4, -3, -2, -1]);
    const y = run(node('maxpool', pool({ kernel: [2, 2], pads: [1, 1, 1, 1] })), [neg]);
    expect(Array.from(y.data)).toEqual([-4, -3, -3, -2, -1, -1, -2, -1, -1]);
  });

  it('globalavgpool averages each plane', () => {
    const y = run(node('globalavgpool', {}), [ft([1, 2, 2, 2], [1, 2, 3, 4, 10, 20, 30, 41])]);
    expect(Array.from(y.data)).toEqual([2.5, 25.25]);
  });
});

describe('pool reference vs TensorFlow.js', () => {
  const attrsArb = fc.record({
    kh: fc.integer({ min: 1, max: 4 }),
    kw: fc.integer({ min: 1, max: 4 }),
    sh: fc.integer({ min: 1, max: 3 }),
    sw: fc.integer({ min: 1, max: 3 }),
    pads: fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3), fc.nat(3)),
    ceilMode: fc.boolean(),
    countIncludePad: fc.boolean(),
    h: fc.integer({ min: 1, max: 9 }),
    w: fc.integer({ min: 1, max: 9 }),
    seed: fc.nat(),
  });

  for (const kind of ['max', 'avg'] as const) {
    it(`${kind}pool on random geometries (incl. ceil mode, asymmetric pads)`, async () => {
      await fc.assert(
        fc.asyncProperty(attrsArb, async (g) => {
          const a = pool({
            kernel: [g.kh, g.kw],
            stride: [g.sh, g.sw],
            pads: g.pads,
            ceilMode: g.ceilMode,
            countIncludePad: g.countIncludePad,
          });
          const n = node(kind === 'max' ? 'maxpool' : 'avgpool', a);
          const x = randomTensor([2, 3, g.h, g.w], g.seed);
          fc.pre(problemsOf(n, [x.shape]).length === 0);
          const ours = run(n, [x]);
          const theirs = await tfPool(kind, x, a, [ours.shape[2]!, ours.shape[3]!]);
          expect(closeness(ours, theirs, 1e-6, 1e-5)).toBeLessThan(1);
          // output size from the definition: windows advance by s; floor mode keeps windows that fit
          // in the padded input; ceil mode adds windows while the previous one stopped short of the
          // padded end, provided the new one starts inside the input or the top/left padding
          const size = (len: number, k: number, s: number, p0: number, p1: number): number => {
            let o = 1;
            while (true) {
              const start = o * s - p0;
              const previousEnd = start - s + k;
              const keep = g.ceilMode ? previousEnd < len + p1 && start < len : start + k <= len + p1;
              if (!keep) return o;
              o++;
            }
          };
          expect(ours.shape).toEqual([
            2,
            3,
            size(g.h, g.kh, g.sh, g.pads[0], g.pads[2]),
            size(g.w, g.kw, g.sw, g.pads[1], g.pads[3]),
          ]);
        }),
        { numRuns: 40 },
      );
    });
  }
});
