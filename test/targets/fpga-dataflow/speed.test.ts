/**
 * Speed of E against R on the 20-module CNV-like pipeline × 100 frames (figures for
 * docs/fpga-dataflow-engine.md). Not a timed test: it runs only when asked,
 *
 *   FPGA_DATAFLOW_SPEED=1 npx vitest run test/targets/fpga-dataflow/speed.test.ts
 *
 * and prints the median of 5 runs of each engine (after 3 warm-up runs), checking that all agree.
 */
import { describe, expect, it } from 'vitest';
import { sizeFifos } from '../../../src/targets/fpga-dataflow/fifo-sizing.js';
import { runEventDetailed } from '../../../src/targets/fpga-dataflow/pipeline-event.js';
import { runReferenceResolved } from '../../../src/targets/fpga-dataflow/pipeline-ref.js';
import { resolvePipeline, type PipelineSpec } from '../../../src/targets/fpga-dataflow/pipeline.js';
import { cnvLike } from './helpers.js';

const RUNS = 5;

function medianMs(f: () => unknown): number {
  for (let i = 0; i < 3; i++) f(); // warm-up (JIT)
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    f();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)]!;
}

function measure(label: string, spec: PipelineSpec): string {
  const p = resolvePipeline(spec);
  const r = runReferenceResolved(p);
  const e = runEventDetailed(p);
  const full = runEventDetailed(p, { periodic: false });
  expect(e.result).toEqual(r);
  expect(full.result).toEqual(r);
  const rMs = medianMs(() => runReferenceResolved(p));
  const eMs = medianMs(() => runEventDetailed(p));
  const fullMs = medianMs(() => runEventDetailed(p, { periodic: false }));
  const moduleCycles = r.totalCycles * p.modules.length;
  return [
    `${label}: ${r.status}, ${r.totalCycles} cycles, II ${r.iiCycles}, ${p.modules.length} modules, ${p.frames} frames`,
    `  R                    ${rMs.toFixed(1)} ms (${(moduleCycles / rMs / 1e3).toFixed(1)} M module-cycles/s)`,
    `  E, periodic jump     ${eMs.toFixed(1)} ms (${(rMs / eMs).toFixed(1)}× R; ${e.computedFrames} frames computed, ` +
      `period ${e.period === null ? 'none' : `${e.period.frames} frame(s) of ${e.period.deltaCycles} cycles`})`,
    `  E, every frame       ${fullMs.toFixed(1)} ms (${(rMs / fullMs).toFixed(1)}× R)`,
  ].join('\n');
}

describe.skipIf(process.env.FPGA_DATAFLOW_SPEED !== '1')('speed of E vs R (opt-in)', () => {
  it('20-module CNV-like pipeline × 100 frames', () => {
    const sized = sizeFifos(cnvLike(2, 4));
    const lines = [
      measure('sized FIFOs', { ...sized.spec, frames: 100 }),
      measure('every FIFO 64 words', cnvLike(64, 100)),
      measure('every FIFO 2 words (deadlocks at the residual)', cnvLike(2, 100)),
    ];
    console.log(`sized depths: ${sized.depthsWords.join(', ')}\n${lines.join('\n')}`);
  });
});
