/**
 * FIFO sizing: a residual diamond whose shortcut FIFO is too shallow deadlocks, and one whose
 * other FIFOs are too shallow stalls (II above its slowest module); the sized depths give back the
 * unbounded-FIFO timing, so the II is the slowest module's cycles per frame, and no single FIFO can
 * lose a word without changing that timing.
 */
import { describe, expect, it } from 'vitest';
import { finnOptimizeDepth, sizeFifos } from '../../../src/targets/fpga-dataflow/fifo-sizing.js';
import { runEventResolved, runEvent } from '../../../src/targets/fpga-dataflow/pipeline-event.js';
import { runReference } from '../../../src/targets/fpga-dataflow/pipeline-ref.js';
import {
  resolvePipeline,
  type PipelineResult,
  type PipelineSpec,
} from '../../../src/targets/fpga-dataflow/pipeline.js';
import { cnvLike, residual } from './helpers.js';

const block = { c: 4, h: 5, w: 5, simd: 2, pe: 2 };
// slowest module: the MVAU, (MH/PE)·(MW/SIMD)·N = (4/2)·(36/2)·25 = 900 cycles per frame
const SLOWEST = 900;

function sameTiming(a: PipelineResult, b: PipelineResult): boolean {
  return (
    a.status === 'done' &&
    a.firstOutputCycles === b.firstOutputCycles &&
    JSON.stringify(a.frameDoneCycles) === JSON.stringify(b.frameDoneCycles)
  );
}

/** No FIFO can be one word shallower. */
function expectOneMinimal(spec: PipelineSpec, depths: readonly number[], target: PipelineResult): void {
  const p = resolvePipeline(spec);
  depths.forEach((d, k) => {
    if (d === 1) return;
    const smaller = depths.map((x, i) => (i === k ? d - 1 : x));
    const r = runEventResolved({ ...p, edges: p.edges.map((e, i) => ({ ...e, depthWords: smaller[i]! })) });
    expect(sameTiming(r, target), `FIFO ${p.edges[k]!.name} at ${d - 1} words`).toBe(false);
  });
}

describe('FIFO sizing on a residual block', () => {
  const deadlocking = residual({ ...block, shortcutDepth: 1, depth: 2, frames: 6 });
  const stalling = residual({ ...block, shortcutDepth: 64, depth: 2, frames: 6 });

  it('the shallow shortcut deadlocks; shallow FIFOs elsewhere stall', () => {
    expect(runReference(deadlocking).status).toBe('deadlock');
    const s = runReference(stalling);
    expect(s.status).toBe('done');
    expect(s.slowestModule).toBe('mvau');
    expect(s.slowestModuleCycles).toBe(SLOWEST);
    expect(s.iiCycles).toBeGreaterThan(SLOWEST);
    expect(s.modules.find((m) => m.name === 'mvau')!.starvedCycles).toBeGreaterThan(0);
  });

  for (const [label, spec] of [
    ['deadlocking', deadlocking],
    ['stalling', stalling],
  ] as const)
    it(`sizing the ${label} block gives back the slowest module's II`, () => {
      const z = sizeFifos(spec);
      expect(z.unconstrained.iiCycles).toBe(SLOWEST);
      expect(z.sized.status).toBe('done');
      expect(z.sized.iiCycles).toBe(SLOWEST);
      expect(z.sized.frameDoneCycles).toEqual(z.unconstrained.frameDoneCycles);
      expect(z.sized.firstOutputCycles).toBe(z.unconstrained.firstOutputCycles);
      // the sized spec, run by R, is the same
      expect(runReference(z.spec)).toEqual(z.sized);
      // the shortcut needs more than the 1 word that deadlocked
      const shortcut = z.sized.fifos.findIndex((f) => f.name === 'shortcut');
      expect(z.depthsWords[shortcut]).toBeGreaterThan(1);
      z.depthsWords.forEach((d, k) => {
        expect(d).toBeLessThanOrEqual(z.peakDepthsWords[k]!);
      });
      expectOneMinimal(spec, z.depthsWords, z.unconstrained);
    });

  it('reference and event engines size alike', () => {
    const e = sizeFifos(deadlocking);
    const r = sizeFifos(deadlocking, { engine: 'reference' });
    expect(r.depthsWords).toEqual(e.depthsWords);
    expect(r.sized).toEqual(e.sized);
  });
});

describe('FIFO sizing on the 20-module CNV-like pipeline', () => {
  it('reaches the slowest module (conv1: (16/4)·(27/3)·196 = 7056 cycles per frame)', () => {
    const spec = cnvLike(2, 3);
    expect(runEvent(spec).status).toBe('deadlock');
    const z = sizeFifos(spec);
    expect(z.sized.slowestModule).toBe('conv1');
    expect(z.sized.iiCycles).toBe(7056);
    expect(z.sized.frameDoneCycles).toEqual(z.unconstrained.frameDoneCycles);
    // 100 frames on the sized FIFOs stream at that II
    const long = runEvent({ ...z.spec, frames: 100 });
    expect(long.iiCycles).toBe(7056);
  });
});

describe('FINN depth rounding (fpga.md §1.4 optimize_depth)', () => {
  it.each([
    [1, 2],
    [2, 2],
    [3, 32],
    [32, 32],
    [33, 33],
    [300, 300],
  ])('%i words → %i', (d, want) => {
    expect(finnOptimizeDepth(d)).toBe(want);
  });
});
