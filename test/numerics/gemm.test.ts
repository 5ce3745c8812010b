/**
 * The fast accumulation kernels equal the ordered (per-MAC) one whenever `accumulate` chooses them:
 * generated GEMMs, integer accumulators of 8/16/32 bits, wrap and saturate, with and without a
 * bias, one accumulator or partial sums of r rows. The generated cases reach all three paths.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { macArithmetic } from '../../src/formats/arith.js';
import { parseFormat } from '../../src/formats/index.js';
import {
  accumulate,
  accumulateExact,
  accumulateOrdered,
  accumulationPath,
  packingShift,
  type Accumulator,
  type GemmOperands,
} from '../../src/numerics/gemm.js';

interface Case {
  readonly g: GemmOperands;
  readonly init: Float64Array | undefined;
  readonly acc: Accumulator;
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    m: fc.integer({ min: 1, max: 9 }),
    n: fc.integer({ min: 1, max: 9 }),
    k: fc.integer({ min: 1, max: 20 }),
    bits: fc.constantFrom(8, 16, 32),
    magnitude: fc.constantFrom(3, 15, 127, 40_000, 3_000_000),
    overflow: fc.constantFrom('wrap' as const, 'saturate' as const),
    rows: fc.integer({ min: 0, max: 6 }),
    bias: fc.boolean(),
    seed: fc.integer(),
  })
  .chain((r) =>
    fc
      .tuple(
        fc.array(fc.integer({ min: -r.magnitude, max: r.magnitude }), {
          minLength: r.m * r.k,
          maxLength: r.m * r.k,
        }),
        fc.array(fc.integer({ min: -r.magnitude, max: r.magnitude }), {
          minLength: r.n * r.k,
          maxLength: r.n * r.k,
        }),
        fc.array(fc.integer({ min: -100, max: 100 }), { minLength: r.n, maxLength: r.n }),
      )
      .map(([a, b, bias]): Case => {
        const format = parseFormat(`int${r.bits}`);
        const arithmetic = macArithmetic(format.name, r.overflow);
        return {
          g: { a: Float64Array.from(a), b: Float64Array.from(b), m: r.m, n: r.n, k: r.k },
          // a bias is already an accumulator value: fit it into the format first
          init: r.bias ? Float64Array.from(bias, (v) => arithmetic.add(0, v)) : undefined,
          acc: { arithmetic, format, partialSumRows: r.rows },
        };
      }),
  );

function outputs(c: Case): { fast: Float64Array; slow: Float64Array; path: string } {
  const { g, init, acc } = c;
  // a transposed output layout for the fast kernel, row-major for the slow one
  const fast = new Float64Array(g.m * g.n);
  const path = accumulate(g, init, acc, { out: fast, offset: 0, strideM: 1, strideN: g.m });
  const slow = new Float64Array(g.m * g.n);
  accumulateOrdered(g, init, acc.arithmetic, acc.partialSumRows, {
    out: slow,
    offset: 0,
    strideM: g.n,
    strideN: 1,
  });
  const fastRowMajor = new Float64Array(g.m * g.n);
  for (let m = 0; m < g.m; m++) for (let n = 0; n < g.n; n++) fastRowMajor[m * g.n + n] = fast[n * g.m + m]!;
  return { fast: fastRowMajor, slow, path };
}

describe('accumulation kernels', () => {
  it('fast path ≡ ordered path on every generated GEMM', () => {
    const seen = { exact: 0, 'exact-wrapped': 0, ordered: 0 };
    fc.assert(
      fc.property(caseArb, (c) => {
        const { fast, slow, path } = outputs(c);
        seen[path as keyof typeof seen]++;
        // integer zero has no sign (the ordered kernel's x % 2^bits may leave −0, accumulate never does)
        expect(Array.from(fast)).toEqual(Array.from(slow, (v) => v + 0));
      }),
      { numRuns: 400 },
    );
    for (const [path, n] of Object.entries(seen)) expect(n, path).toBeGreaterThan(10);
  });

  it('the exact kernel is the plain sum (packed or not; 4×4 blocks and every remainder shape)', () => {
    for (const [m, n, big] of [
      [4, 4, 1],
      [5, 7, 1],
      [1, 9, 1],
      [8, 3, 1],
      [9, 10, 2 ** 22],
      [5, 3, 2 ** 22],
    ] as const) {
      const k = 11;
      // operands up to 6·2^22 make the bound ~2^51: too large to pack two rows in one float64
      const a = Float64Array.from({ length: m * k }, (_, i) => big * (((i * 7) % 13) - 6));
      const g = { a, b: new Float64Array(0), m, n, k };
      const b = Float64Array.from({ length: n * k }, (_, i) => ((i * 5) % 11) - 5);
      const init = Float64Array.from({ length: n }, (_, i) => i * 100);
      expect(packingShift({ ...g, b }) === undefined, `m ${m} n ${n}`).toBe(big > 1);
      const out = new Float64Array(m * n);
      accumulateExact({ ...g, b }, init, { out, offset: 0, strideM: n, strideN: 1 });
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = j * 100;
          for (let kk = 0; kk < k; kk++) s += a[i * k + kk]! * b[j * k + kk]!;
          expect(out[i * n + j]).toBe(s);
        }
      }
    }
  });

  it('floating accumulators always take the ordered path', () => {
    const format = parseFormat('fp32');
    const g = { a: Float64Array.of(1), b: Float64Array.of(1), m: 1, n: 1, k: 1 };
    expect(
      accumulationPath(g, undefined, { arithmetic: macArithmetic('fp32'), format, partialSumRows: 0 }),
    ).toBe('ordered');
  });
});
