/**
 * The RBE's outputs and timing: R (the per-cycle FSM with bit-serial AND+popcount arithmetic)
 * gives the outputs of a plain integer convolution followed by the same normalization/quantization
 * for random jobs in both modes and every bit width 2–8; and R ≡ E on cycles, every count and every
 * output bit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runEvent } from '../../../../src/targets/riscv-cluster/rbe/event.js';
import { MARSELLUS_RBE as P } from '../../../../src/targets/riscv-cluster/rbe/params.js';
import { runReference } from '../../../../src/targets/riscv-cluster/rbe/reference.js';
import { jobSeedArb, makeJob, makeOperands, plainReference } from './helpers.js';

describe('R outputs ≡ plain integer reference', () => {
  for (const mode of ['3x3', '1x1'] as const) {
    for (let bits = 2; bits <= 8; bits++) {
      it(`${mode}, one width at ${String(bits)} bits, the others random`, () => {
        fc.assert(
          fc.property(jobSeedArb({ maxHw: 4, maxK: 2 }), fc.constantFrom('qa', 'qw', 'qao'), (s, which) => {
            const job = makeJob({ ...s, mode, [which]: bits });
            const ops = makeOperands(job, s.seed);
            const r = runReference(job, ops, P);
            expect(Array.from(r.outputs)).toEqual(Array.from(plainReference(job, ops)));
          }),
          { numRuns: 6 },
        );
      });
    }
  }

  it('the generated jobs are not all saturated (the comparison means something)', () => {
    let inside = 0;
    let total = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const job = makeJob({
        mode: seed % 2 ? '3x3' : '1x1',
        hOut: 3,
        wOut: 3,
        kIn: 32,
        kOut: 32,
        qa: 2 + (seed % 7),
        qw: 2 + ((seed * 3) % 7),
        qao: 2 + ((seed * 5) % 7),
        relu: seed % 3 === 0,
        shiftDelta: 0,
        seed,
      });
      const out = runReference(job, makeOperands(job, seed), P).outputs;
      const lo = job.norm.relu ? 0 : -(2 ** (job.qao - 1));
      const hi = job.norm.relu ? 2 ** job.qao - 1 : 2 ** (job.qao - 1) - 1;
      for (const v of out) {
        total++;
        if (v > lo && v < hi) inside++;
      }
    }
    expect(inside / total).toBeGreaterThan(0.3);
  });
});

describe('R ≡ E', () => {
  it('cycles, stall cycles, every count and every output bit agree', () => {
    fc.assert(
      fc.property(jobSeedArb({ maxHw: 5, maxK: 2 }), (s) => {
        const job = makeJob(s);
        const ops = makeOperands(job, s.seed);
        const r = runReference(job, ops, P);
        const e = runEvent(job, ops, P);
        expect(r.cycles).toBe(e.cycles);
        expect(r.stallCycles).toBe(0);
        expect(r.counts).toEqual(e.counts);
        expect(r.macs).toBe(e.macs);
        expect(Array.from(r.outputs)).toEqual(Array.from(e.outputs));
      }),
      { numRuns: 40 },
    );
  });
});
