/** The channel-class footprint count equals a brute-force count of distinct addresses. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ifmapAddress } from '../../../src/mapping/gemm.js';
import { footprintScratch, im2colFootprint } from '../../../src/targets/systolic/plan.js';
import { convView, type ConvCase, convCaseArb } from './helpers.js';

const caseArb: fc.Arbitrary<ConvCase> = convCaseArb({
  batch: 2,
  channelsPerGroup: 5,
  groups: 3,
  outPerGroup: 1,
  size: 9,
  kernel: 4,
  strideH: 3,
  strideW: 3,
  pad: 2,
});

describe('im2col footprint', () => {
  it('equals the number of distinct addresses of every block', () => {
    fc.assert(
      fc.property(caseArb, fc.nat(), fc.nat(), fc.nat(), fc.nat(), fc.nat(), (c, s, a, b, x, y) => {
        const view = convView(c);
        const seg = view.segments[s % view.segments.length]!;
        const m0 = a % seg.m;
        const m1 = m0 + 1 + (b % (seg.m - m0));
        const k0 = x % seg.k;
        const k1 = k0 + 1 + (y % (seg.k - k0));
        const seen = new Set<number>();
        for (let m = m0; m < m1; m++) {
          for (let k = k0; k < k1; k++) {
            const addr = ifmapAddress(view, seg, m, k);
            if (addr >= 0) seen.add(addr);
          }
        }
        expect(im2colFootprint(view, seg, m0, m1, k0, k1, footprintScratch(view))).toBe(seen.size);
      }),
      { numRuns: 2000 },
    );
  });
});
