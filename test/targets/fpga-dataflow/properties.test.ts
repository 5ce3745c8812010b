/**
 * Properties of the timing model on random pipelines (E, which equivalence.test.ts proves ≡ R):
 *  - with unbounded FIFOs the II is the slowest module's cycles per frame (fpga.md §1.2: "the
 *    throughput is determined by the slowest layer");
 *  - a deeper FIFO never makes any frame complete later (what makes FIFO sizing's binary search
 *    exact), and never turns a finished run into a deadlock;
 *  - FIFO sizing gives back the unbounded timing with depths no single one of which can shrink.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sizeFifos } from '../../../src/targets/fpga-dataflow/fifo-sizing.js';
import { runEvent, runEventResolved } from '../../../src/targets/fpga-dataflow/pipeline-event.js';
import { resolvePipeline, type PipelineSpec } from '../../../src/targets/fpga-dataflow/pipeline.js';
import { buildPipeline, recipeArb } from './random.js';

function unbounded(spec: PipelineSpec): PipelineSpec {
  return { ...spec, edges: spec.edges.map((e) => ({ ...e, depthWords: 'unbounded' as const })) };
}

describe('timing properties on random pipelines', () => {
  it('unbounded FIFOs: II = the slowest module (12 frames)', () => {
    fc.assert(
      fc.property(recipeArb({ maxOps: 6, maxFrames: 1 }), (recipe) => {
        const r = runEvent(unbounded(buildPipeline({ ...recipe, frames: 12 })));
        expect(r.status).toBe('done');
        expect(r.iiCycles).toBe(r.slowestModuleCycles);
      }),
      { numRuns: 100 },
    );
  });

  it('a deeper FIFO never delays a frame', () => {
    fc.assert(
      fc.property(
        recipeArb({ maxOps: 5, maxFrames: 4 }),
        fc.nat(),
        fc.integer({ min: 1, max: 8 }),
        (recipe, pick, more) => {
          const spec = buildPipeline(recipe);
          const p = resolvePipeline(spec);
          const k = pick % p.edges.length;
          const base = runEventResolved(p);
          const deeper = runEventResolved({
            ...p,
            edges: p.edges.map((e, i) => (i === k ? { ...e, depthWords: e.depthWords + more } : e)),
          });
          if (base.status === 'done') expect(deeper.status).toBe('done');
          const n = Math.min(base.frameDoneCycles.length, deeper.frameDoneCycles.length);
          expect(deeper.frameDoneCycles.length).toBeGreaterThanOrEqual(base.frameDoneCycles.length);
          for (let f = 0; f < n; f++)
            expect(deeper.frameDoneCycles[f]).toBeLessThanOrEqual(base.frameDoneCycles[f]!);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('sized FIFOs keep the unbounded timing and are 1-minimal', () => {
    fc.assert(
      fc.property(recipeArb({ maxOps: 4, maxFrames: 3 }), (recipe) => {
        const spec = buildPipeline(recipe);
        const z = sizeFifos(spec);
        expect(z.sized.frameDoneCycles).toEqual(z.unconstrained.frameDoneCycles);
        expect(z.sized.firstOutputCycles).toBe(z.unconstrained.firstOutputCycles);
        const p = resolvePipeline(z.spec);
        z.depthsWords.forEach((d, k) => {
          if (d === 1) return;
          const r = runEventResolved({
            ...p,
            edges: p.edges.map((e, i) => (i === k ? { ...e, depthWords: d - 1 } : e)),
          });
          const same =
            r.status === 'done' &&
            r.firstOutputCycles === z.unconstrained.firstOutputCycles &&
            r.frameDoneCycles.every((t, f) => t === z.unconstrained.frameDoneCycles[f]);
          expect(same).toBe(false);
        });
      }),
      { numRuns: 40 },
    );
  });
});
