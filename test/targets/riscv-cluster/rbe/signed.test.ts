/**
 * Signed activations on the RBE (rbe/signed.ts): the offset codes and folded bias, run through the
 * RBE's cycle-level datapath R, give exactly the plain signed convolution with the original bias.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runReference } from '../../../../src/targets/riscv-cluster/rbe/reference.js';
import { MARSELLUS_RBE } from '../../../../src/targets/riscv-cluster/rbe/params.js';
import { offsetSignedActivations } from '../../../../src/targets/riscv-cluster/rbe/signed.js';
import { jobSeedArb, makeJob, makeOperands, plainReference, rng } from './helpers.js';

describe('RBE with signed activations (zero point folded into the bias)', () => {
  it('R on the offset codes equals the signed convolution, bit for bit', () => {
    fc.assert(
      fc.property(jobSeedArb({ maxHw: 3, maxK: 1 }), (seed) => {
        const job = makeJob(seed);
        const { w } = makeOperands(job, seed.seed);
        const next = rng(seed.seed ^ 0x1234);
        const half = 2 ** (job.qa - 1);
        const fs = job.mode === '3x3' ? 3 : 1;
        const x = new Int32Array((job.hOut + fs - 1) * (job.wOut + fs - 1) * job.kIn).map(
          () => (next() % (2 * half)) - half,
        );
        const expected = plainReference(job, { x, w });
        const folded = offsetSignedActivations(job, x, w);
        if (typeof folded === 'string') throw new Error(folded);
        expect(Math.min(...folded.ops.x)).toBeGreaterThanOrEqual(0);
        expect(Math.max(...folded.ops.x)).toBeLessThan(2 ** job.qa);
        const r = runReference(folded.job, folded.ops, MARSELLUS_RBE);
        expect([...r.outputs]).toEqual([...expected]);
      }),
      { numRuns: 12, seed: 7 },
    );
  });

  it('refuses a fold whose bias leaves int32, naming the channel', () => {
    const job = makeJob({
      mode: '1x1',
      hOut: 1,
      wOut: 1,
      kIn: 32,
      kOut: 32,
      qa: 8,
      qw: 8,
      qao: 8,
      relu: false,
      shiftDelta: 0,
      seed: 3,
    });
    const big = { ...job, norm: { ...job.norm, scale: job.norm.scale.map(() => 65535) } };
    const w = new Int32Array(32 * 32).fill(127);
    const r = offsetSignedActivations(big, new Int32Array(32), w);
    expect(r).toMatch(/folded bias of output channel 0 \(.*\) does not fit 32 bits/);
  });
});
