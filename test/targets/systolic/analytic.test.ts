/** E ≡ A inside A's domain; A bounds E from below outside it. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyticTiming, inAnalyticDomain } from '../../../src/targets/systolic/analytic.js';
import { runEventTiming } from '../../../src/targets/systolic/event.js';
import { buildPlan, PlanError } from '../../../src/targets/systolic/plan.js';
import { DATAFLOWS } from '../../../src/targets/systolic/spec.js';
import { convView, gemmViewOf, specOf } from './helpers.js';

const shapeArb = fc.oneof(
  fc
    .record({
      m: fc.integer({ min: 1, max: 300 }),
      n: fc.integer({ min: 1, max: 200 }),
      k: fc.integer({ min: 1, max: 300 }),
    })
    .map((g) => gemmViewOf(g.m, g.n, g.k)),
  fc
    .record({
      c: fc.integer({ min: 1, max: 16 }),
      h: fc.integer({ min: 3, max: 20 }),
      o: fc.integer({ min: 1, max: 32 }),
      s: fc.integer({ min: 1, max: 2 }),
    })
    .map((r) =>
      convView({
        n: 1,
        c: r.c,
        h: r.h,
        w: r.h,
        cout: r.o,
        kh: 3,
        kw: 3,
        stride: [r.s, r.s],
        pads: [1, 1, 1, 1],
        dilation: [1, 1],
        groups: 1,
      }),
    ),
);

const specArb = (domain: boolean) =>
  fc
    .record({
      rows: fc.integer({ min: 1, max: 16 }),
      cols: fc.integer({ min: 1, max: 16 }),
      dataflow: fc.constantFrom(...DATAFLOWS),
      kib: fc.integer({ min: 1, max: 64 }),
      bw: fc.constantFrom(1, 4, 16),
      latency: fc.integer({ min: 0, max: 50 }),
      conventions: fc.constantFrom('bitcycle' as const, 'scalesim' as const),
    })
    .map((s) =>
      specOf({
        array: { rows: s.rows, cols: s.cols, dataflow: s.dataflow },
        sram: { ifmap_kib: s.kib, filter_kib: s.kib, ofmap_kib: s.kib },
        dram: domain
          ? {
              read_bandwidth_bytes_per_cycle: 'unlimited',
              write_bandwidth_bytes_per_cycle: 'unlimited',
              latency_cycles: 0,
            }
          : {
              read_bandwidth_bytes_per_cycle: s.bw,
              write_bandwidth_bytes_per_cycle: s.bw,
              latency_cycles: s.latency,
            },
        conventions: s.conventions,
      }),
    );

const bytes = { ifmap: 1, filter: 1, ofmap: 1, psum: 4 };

function plan(view: ReturnType<typeof gemmViewOf>, spec: ReturnType<typeof specOf>) {
  try {
    return buildPlan(view, spec, bytes);
  } catch (e) {
    if (e instanceof PlanError) return undefined;
    throw e;
  }
}

describe('systolic A (analytic)', () => {
  it('equals E exactly inside its domain, with no stall beyond the final write-back', () => {
    fc.assert(
      fc.property(shapeArb, specArb(true), (view, spec) => {
        const p = plan(view, spec);
        fc.pre(p !== undefined);
        expect(inAnalyticDomain(spec)).toBe(true);
        const a = analyticTiming(p, spec);
        const e = runEventTiming(p, spec);
        expect(a.exact).toBe(true);
        expect(e.cycles).toBe(a.cycles);
        expect(e.readStallCycles + e.writeStallCycles).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('is a lower bound outside its domain', () => {
    let strict = 0;
    fc.assert(
      fc.property(shapeArb, specArb(false), (view, spec) => {
        const p = plan(view, spec);
        fc.pre(p !== undefined);
        const a = analyticTiming(p, spec);
        const e = runEventTiming(p, spec);
        expect(a.exact).toBe(false);
        expect(a.cycles).toBeLessThanOrEqual(e.cycles);
        if (a.cycles < e.cycles) strict++;
      }),
      { numRuns: 300 },
    );
    expect(strict).toBeGreaterThan(50); // memory really limits many of these cases
  });

  it('matches SCALE-Sim’s published no-stall figure: 256³ GEMM on 32×32 os is 20,351 cycles', () => {
    const spec = specOf({ array: { rows: 32, cols: 32, dataflow: 'os' }, conventions: 'scalesim' });
    expect(analyticTiming(buildPlan(gemmViewOf(256, 256, 256), spec, bytes), spec).cycles).toBe(20351);
    const ws = specOf({ array: { rows: 32, cols: 32, dataflow: 'ws' }, conventions: 'scalesim' });
    expect(analyticTiming(buildPlan(gemmViewOf(256, 256, 256), ws, bytes), ws).cycles).toBe(22399);
  });
});
