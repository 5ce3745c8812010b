/** The DLA's atomic-array timing on hand-worked layers. */
import { describe, expect, it } from 'vitest';
import { atomicCycles, planDlaLayer, weightSlices, type DlaWork } from '../../../src/targets/jetson/dla.js';
import type { JetsonCalibration } from '../../../src/targets/jetson/spec.js';
import { jetsonSpec } from './helpers.js';

const spec = jetsonSpec();
const d = spec.dla;
const ideal: JetsonCalibration = {
  ...spec.calibration,
  dlaEfficiency: 1,
  dlaDramEfficiency: 1,
  dlaLayerOverheadCycles: 0,
};

const conv = (o: Partial<Extract<DlaWork, { kind: 'conv' }>>): Extract<DlaWork, { kind: 'conv' }> => ({
  kind: 'conv',
  batch: 1,
  groups: 1,
  outH: 14,
  outW: 14,
  kh: 3,
  kw: 3,
  cinG: 64,
  coutG: 64,
  inElements: 0,
  weightElements: 0,
  outElements: 0,
  ...o,
});

describe('jetson DLA: atomic-C × atomic-K MAC array', () => {
  it('the preset array is 64 × 32 INT8 (32 × 32 FP16)', () => {
    expect([d.atomicC, d.atomicK, d.fp16RateFactor]).toEqual([64, 32, 0.5]);
  });

  it('3×3 conv, 64 → 64 channels, 14×14 out: 14·14·9·⌈64/64⌉·⌈64/32⌉ = 3528 cycles in INT8, 7056 in FP16', () => {
    expect(atomicCycles(conv({}), d, 'int8')).toBe(3528);
    expect(atomicCycles(conv({}), d, 'fp16')).toBe(7056);
  });

  it('partial atomics: 48 input and 40 output channels still take whole atomics', () => {
    // INT8: ⌈48/64⌉ = 1, ⌈40/32⌉ = 2
    expect(atomicCycles(conv({ cinG: 48, coutG: 40 }), d, 'int8')).toBe(14 * 14 * 9 * 1 * 2);
  });

  it('channel extension for a small-C first layer: ResNet-50 conv1 in FP16 is 175 616 cycles', () => {
    // 112·112·7·⌈3·7/32⌉·⌈64/32⌉
    const w = conv({ outH: 112, outW: 112, kh: 7, kw: 7, cinG: 3, coutG: 64 });
    expect(atomicCycles(w, d, 'fp16')).toBe(112 * 112 * 7 * 1 * 2);
    expect(atomicCycles(w, d, 'fp16')).toBe(175616);
  });

  it('batch and groups multiply; a depthwise conv wastes the array (one channel per atomic)', () => {
    expect(atomicCycles(conv({ batch: 4, groups: 2, cinG: 64, coutG: 32 }), d, 'int8')).toBe(
      4 * 2 * 14 * 14 * 9,
    );
    // depthwise 3×3 over 32 channels: channel extension packs 3 taps of one channel
    expect(atomicCycles(conv({ groups: 32, cinG: 1, coutG: 1 }), d, 'int8')).toBe(32 * 14 * 14 * 3 * 1 * 1);
  });

  it('weights larger than half the CBUF are sliced and the input is re-read per slice', () => {
    expect(weightSlices(256 * 1024, d)).toBe(1);
    expect(weightSlices(256 * 1024 + 1, d)).toBe(2);
    const w = conv({ inElements: 1000, weightElements: 600 * 1024, outElements: 500 });
    const plan = planDlaLayer(w, 'int8', d, ideal, 1e9, 1e9);
    expect(plan.weightSlices).toBe(3);
    expect(plan.dramBytes).toBe(1000 * 3 + 600 * 1024 + 500);
    expect(plan.memoryCycles).toBe(plan.dramBytes);
  });

  it('a layer costs max(array / efficiency, DRAM) + the per-layer overhead', () => {
    const cal = { ...ideal, dlaEfficiency: 0.5, dlaLayerOverheadCycles: 100 };
    const plan = planDlaLayer(conv({}), 'int8', d, cal, 1e9, 1e15);
    expect(plan.computeCycles).toBe(7056);
    expect(plan.cycles).toBe(7056 + 100);
  });
});
