/** The channel-class footprint count equals a brute-force count of distinct addresses. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ifmapAddress } from '../../../src/mapping/gemm.js';
import { footprintScratch, im2colFootprint } from '../../../src/targets/systolic/plan.js';
import { convOut, convView, type ConvCase } from './helpers.js';

const caseArb: fc.Arbitrary<ConvCase> = fc
  .record({
    cg: fc.integer({ min: 1, max: 5 }),
    groups: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 1, max: 9 }),
    w: fc.integer({ min: 1, max: 9 }),
    kh: fc.integer({ min: 1, max: 4 }),
    kw: fc.integer({ min: 1, max: 4 }),
    sh: fc.integer({ min: 1, max: 3 }),
    sw: fc.integer({ min: 1, max: 3 }),
    pads: fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
    dh: fc.integer({ min: 1, max: 2 }),
    dw: fc.integer({ min: 1, max: 2 }),
  })
  .map((r) => ({
    n: 2,
    c: r.cg * r.groups,
    h: r.h,
    w: r.w,
    cout: r.groups,
    kh: r.kh,
    kw: r.kw,
    stride: [r.sh, r.sw] as [number, number],
    pads: r.pads,
    dilation: [r.dh, r.dw] as [number, number],
    groups: r.groups,
  }))
  .filter((c) => convOut(c)[0] >= 1 && convOut(c)[1] >= 1);

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
