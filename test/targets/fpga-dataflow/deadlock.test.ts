/**
 * Deadlock: a residual diamond whose shortcut FIFO holds 1 word. The duplicate must write both
 * copies of a word in the same step; the conv branch needs several input rows before its first
 * output, so the add waits on the branch, the shortcut fills, the duplicate blocks, and the branch
 * starves: nothing can move. Both engines stop at the same cycle with the same report instead of
 * hanging.
 */
import { describe, expect, it } from 'vitest';
import { runEvent, runEventDetailed } from '../../../src/targets/fpga-dataflow/pipeline-event.js';
import { runReference } from '../../../src/targets/fpga-dataflow/pipeline-ref.js';
import { PipelineCycleLimitError, resolvePipeline } from '../../../src/targets/fpga-dataflow/pipeline.js';
import { cnvLike, residual } from './helpers.js';

const block = { c: 4, h: 5, w: 5, simd: 2, pe: 2 };

describe('deadlock on a residual diamond with a 1-word shortcut FIFO', () => {
  const spec = residual({ ...block, shortcutDepth: 1, depth: 2, frames: 6 });
  const r = runReference(spec);

  it('is reported, with who waits on which FIFO', () => {
    expect(r.status).toBe('deadlock');
    expect(r.frameDoneCycles).toEqual([]);
    expect(r.iiCycles).toBeNull();
    const d = r.deadlock!;
    expect(d.cycle).toBe(r.totalCycles);
    const byModule = new Map(d.waits.map((w) => [w.module, w]));
    expect(byModule.get('dup')).toMatchObject({
      state: 'blocked',
      fifo: 'shortcut',
      occupancyWords: 1,
      depthWords: 1,
    });
    expect(byModule.get('add')).toMatchObject({ state: 'starved', fifo: 'thr.0->add.0', occupancyWords: 0 });
    expect(byModule.get('dwc0')).toMatchObject({ state: 'starved', fifo: 'dup.0->dwc0.0' });
    expect(d.message).toMatch(/^deadlock at cycle \d+: nothing can move; /);
    expect(d.message).toContain('dup (frame 0, step 1) blocked on full FIFO shortcut (1/1 words)');
    // nobody finished; every module accounts for every cycle up to the deadlock
    for (const m of r.modules) {
      expect(m.finishedCycles).toBeNull();
      expect(m.busyCycles + m.starvedCycles + m.blockedCycles).toBe(d.cycle);
    }
  });

  it('E reports the same deadlock at the same cycle', () => {
    expect(runEvent(spec)).toEqual(r);
    expect(runEvent(spec, { periodic: false })).toEqual(r);
  });

  it('a cycle cap below the deadlock cycle is an error in both engines, not a hang', () => {
    const maxCycles = r.totalCycles;
    expect(() => runReference(spec, { maxCycles })).toThrow(PipelineCycleLimitError);
    expect(() => runEvent(spec, { maxCycles })).toThrow(
      /reached the cycle limit of \d+ cycles \(maxCycles\)/,
    );
    expect(runReference(spec, { maxCycles: maxCycles + 1 }).status).toBe('deadlock');
  });

  it('a 20-module pipeline asked for 100 frames stops at its deadlock in frame 0', () => {
    // every FIFO 2 words: the residual shortcut (dup → add) is far too shallow
    const big = cnvLike(2, 100);
    const rb = runReference(big);
    expect(rb.status).toBe('deadlock');
    expect(rb.deadlock!.waits.find((w) => w.module === 'dup')).toMatchObject({
      state: 'blocked',
      fifo: 'dup.1->add.1',
    });
    expect(rb.frameDoneCycles).toEqual([]);
    const eb = runEventDetailed(resolvePipeline(big));
    expect(eb.result).toEqual(rb);
    expect(eb.computedFrames).toBe(0);
  });
});
