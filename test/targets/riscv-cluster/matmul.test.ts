/**
 * The XpulpNN MAC&LOAD matmul inner loops (4×2 and 4×4 output blocks, PULP-NN-mixed structure as
 * summarised in reference/pulp.md §3.4: one MacLoadInit and 8 / 16 MacLoads per iteration, under a
 * hardware loop) at 8, 4 and 2 bits, run on the ISS. The outputs must equal a plain reference, and
 * the measured MAC/cycle of the inner loop must equal the ceiling pulp.md derives:
 * 4×2: 8 dot products / 9 instructions, 4×4: 16 / 17, times the lanes per 32-bit word.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PULP_ICACHE } from '../../../src/targets/riscv-cluster/core/timing.js';
import { BITS, LANES, matmul, type W } from './mac-load-kernel.js';

/** reference/pulp.md §3.4: dot products per iteration / instructions per iteration × lanes. */
const ceiling = (cols: 2 | 4, w: W): number => ((4 * cols) / (4 * cols + 1)) * LANES[w];

describe('MAC&LOAD matmul inner loops', () => {
  for (const cols of [2, 4] as const)
    for (const w of ['b', 'n', 'c'] as const) {
      it(`4×${cols} at ${BITS[w]} bit: outputs equal the reference, inner loop at ${ceiling(cols, w).toFixed(2)} MAC/cycle`, () => {
        const kWords = 64;
        const r = matmul(cols, w, kWords, 12345);
        expect(r.out).toEqual(r.ref);
        expect(r.innerCycles).toBe(kWords * (4 * cols + 1));
        expect(r.macs / r.innerCycles).toBeCloseTo(ceiling(cols, w), 12);
        // the whole kernel (pointer setup, SPR init, zeroing, stores) stays near the ceiling
        expect(r.macs / r.totalCycles).toBeGreaterThan(0.9 * ceiling(cols, w));
      });
    }

  it('random data and lengths: outputs always equal the reference', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<2 | 4>(2, 4),
        fc.constantFrom<W>('b', 'n', 'c'),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (cols, w, kWords, seed) => {
          const r = matmul(cols, w, kWords, seed);
          expect(r.out).toEqual(r.ref);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('with the cluster I-cache, only the first iteration pays refills', () => {
    const warm = matmul(4, 'b', 64, 7);
    const cold = matmul(4, 'b', 64, 7, true);
    expect(cold.out).toEqual(warm.out);
    expect(cold.innerCycles).toBeGreaterThan(warm.innerCycles);
    // 17 instructions = 68 bytes: at most 6 lines of 16 B, each refilled once from L2
    const perLine = PULP_ICACHE.sharedHitRefillCycles + PULP_ICACHE.l2RefillCycles;
    expect(cold.innerCycles - warm.innerCycles).toBeLessThanOrEqual(6 * perLine);
  });
});
