/**
 * R ≡ E: the reference stepper (every PE, every cycle, DMA byte budgets) and the event engine
 * (arithmetic per chunk and per ofmap half) agree exactly on cycles, stall cycles, every action
 * count and every output bit, over generated layers, arrays, dataflows, SRAM sizes, bandwidths,
 * latencies and both counting conventions. The R stepper and R under the event runner agree too.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { macArithmetic } from '../../../src/formats/arith.js';
import { parseFormat, sortedFiniteValues } from '../../../src/formats/index.js';
import type { GemmView } from '../../../src/mapping/gemm.js';
import { arrayCounts } from '../../../src/targets/systolic/counts.js';
import { runEventTiming } from '../../../src/targets/systolic/event.js';
import { buildPlan, PlanError, type OperandBytes } from '../../../src/targets/systolic/plan.js';
import { runReference, type OperandSource } from '../../../src/targets/systolic/reference.js';
import type { SystolicSpec } from '../../../src/targets/systolic/spec.js';
import { gemmOutputs } from '../../../src/targets/systolic/values.js';
import {
  convView,
  gemmViewOf,
  gridOperands,
  intOperands,
  type ConvCase,
  convCaseArb,
  systolicSpecArb,
} from './helpers.js';

const convArb: fc.Arbitrary<ConvCase> = convCaseArb();

const viewArb: fc.Arbitrary<GemmView> = fc.oneof(
  convArb.map(convView),
  fc
    .record({
      m: fc.integer({ min: 1, max: 12 }),
      n: fc.integer({ min: 1, max: 9 }),
      k: fc.integer({ min: 1, max: 12 }),
    })
    .map((g) => gemmViewOf(g.m, g.n, g.k)),
);

const specArb: fc.Arbitrary<SystolicSpec> = systolicSpecArb();

const bytesArb: fc.Arbitrary<OperandBytes> = fc.constantFrom(
  { ifmap: 1, filter: 1, ofmap: 1, psum: 4 },
  { ifmap: 0.5, filter: 0.5, ofmap: 0.5, psum: 4 },
  { ifmap: 1, filter: 0.25, ofmap: 1, psum: 2 },
);

function planOrSkip(
  view: GemmView,
  spec: SystolicSpec,
  bytes: OperandBytes,
): ReturnType<typeof buildPlan> | undefined {
  try {
    return buildPlan(view, spec, bytes);
  } catch (e) {
    if (e instanceof PlanError) return undefined;
    throw e;
  }
}

/** E's PE/SRAM-port counts (R counts exactly these; SCALE-Sim's quirk entries are added later). */
function eCounts(view: GemmView, spec: SystolicSpec, bytes: OperandBytes): Record<string, number> {
  return arrayCounts(buildPlan(view, spec, bytes));
}

const shapesOf = (view: GemmView): Map<number, { m: number; n: number }> =>
  new Map(view.segments.map((s) => [s.index, { m: s.m, n: s.n }]));

describe('systolic R ≡ E', () => {
  it('cycles, stalls and every PE/SRAM count agree; outputs equal the exact GEMM', () => {
    const seen = { readStalls: 0, writeStalls: 0, drains: 0, scalesim: 0, conv: 0 };
    fc.assert(
      fc.property(
        viewArb,
        specArb,
        bytesArb,
        fc.integer({ min: 1, max: 1000 }),
        (view, spec, bytes, seed) => {
          const plan = planOrSkip(view, spec, bytes);
          fc.pre(plan !== undefined);
          const operands = intOperands(view, seed);
          const ar = macArithmetic('int32');
          const r = runReference(plan, spec, { operands, arithmetic: ar, outputShapes: shapesOf(view) });
          const e = runEventTiming(plan, spec);
          expect(r.cycles).toBe(e.cycles);
          expect(r.stallCycles).toBe(e.stallCycles);
          expect(r.readStallCycles).toBe(e.readStallCycles);
          expect(r.writeStallCycles).toBe(e.writeStallCycles);
          expect(r.computeCycles).toBe(e.computeCycles);
          expect(r.drainCycles).toBe(e.drainCycles);
          expect(r.ofmapDrains).toBe(e.ofmapDrains);
          expect(r.counts).toEqual(eCounts(view, spec, bytes));
          if (e.readStallCycles > 0) seen.readStalls++;
          if (e.writeStallCycles > 0) seen.writeStalls++;
          if (e.drainCycles > 0) seen.drains++;
          if (spec.conventions === 'scalesim') seen.scalesim++;
          if (view.kind === 'conv') seen.conv++;
          // outputs: exact integer GEMM, computed independently of both models
          for (const seg of view.segments) {
            const got = r.outputs.get(seg.index)!;
            for (let m = 0; m < seg.m; m++) {
              for (let n = 0; n < seg.n; n++) {
                let s = 0;
                for (let k = 0; k < seg.k; k++)
                  s += operands.a(seg.index, m, k) * operands.b(seg.index, k, n);
                expect(got[m * seg.n + n]).toBe(s);
              }
            }
          }
        },
      ),
      { numRuns: 300, endOnFailure: true },
    );
    // the generated cases really exercise every mechanism
    for (const [what, n] of Object.entries(seen)) expect(n, what).toBeGreaterThan(10);
  });

  it('the event runner over R components equals the stepper', () => {
    fc.assert(
      fc.property(viewArb, specArb, bytesArb, (view, spec, bytes) => {
        const plan = planOrSkip(view, spec, bytes);
        fc.pre(plan !== undefined);
        const a = runReference(plan, spec);
        const b = runReference(plan, spec, { runner: 'events' });
        expect(b.cycles).toBe(a.cycles);
        expect(b.stallCycles).toBe(a.stallCycles);
        expect(b.readStallCycles).toBe(a.readStallCycles);
        expect(b.writeStallCycles).toBe(a.writeStallCycles);
        expect(b.counts).toEqual(a.counts);
      }),
      { numRuns: 150, endOnFailure: true },
    );
  });

  it('floating-point outputs agree bit for bit (fp8 operands, fp32 and fp16 accumulators)', () => {
    const grid = sortedFiniteValues(parseFormat('fp8-e4m3fn'));
    fc.assert(
      fc.property(
        viewArb,
        specArb,
        fc.constantFrom('fp32', 'fp16', 'bf16'),
        fc.nat(1000),
        (view, spec, acc, seed) => {
          const bytes = { ifmap: 1, filter: 1, ofmap: 1, psum: 4 };
          const plan = planOrSkip(view, spec, bytes);
          fc.pre(plan !== undefined);
          const operands: OperandSource = gridOperands(view, seed, Array.from(grid));
          const ar = macArithmetic(acc);
          const r = runReference(plan, spec, { operands, arithmetic: ar, outputShapes: shapesOf(view) });
          const e = gemmOutputs(view.segments, spec.dataflow, spec.rows, operands, ar);
          for (const seg of view.segments) {
            expect(Array.from(r.outputs.get(seg.index)!)).toEqual(Array.from(e.get(seg.index)!));
          }
        },
      ),
      { numRuns: 120, endOnFailure: true },
    );
  });
});
