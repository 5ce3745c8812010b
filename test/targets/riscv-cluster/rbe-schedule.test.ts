/**
 * The RBE layer's DMA schedule (rbe-schedule.ts), checked against cycle counts worked out by hand
 * from the rules in its header.
 */
import { describe, expect, it } from 'vitest';
import { rbeDmaSchedule } from '../../../src/targets/riscv-cluster/rbe-schedule.js';

describe('RBE layer with its DMA traffic', () => {
  it('a layer that fits the TCDM: load, run, store in series', () => {
    const d = rbeDmaSchedule({
      rbeCycles: 1000,
      inputBytes: 800,
      weightBytes: 400,
      outputBytes: 160,
      tcdmBytes: 128 * 1024,
      dmaBytesPerCycle: 8,
    });
    // (800 + 400) / 8 = 150 in, 1000 RBE, 160 / 8 = 20 out
    expect(d).toMatchObject({ cycles: 1170, dmaWaitCycles: 170, fits: true, tiles: 1, weightSlices: 1 });
    expect(d.bytesIn).toBe(1200);
  });

  it('compute-bound tiling hides the DMA except the first load and last store', () => {
    const d = rbeDmaSchedule({
      rbeCycles: 4000,
      inputBytes: 2000,
      weightBytes: 200,
      outputBytes: 400,
      tcdmBytes: 1024,
      dmaBytesPerCycle: 8,
    });
    // halves of (1024 − 200) / 2 = 412 B; 6 tiles of 333.3 B in + 66.7 B out; RBE 666.7 per tile.
    // first load ⌈533.3/8⌉ = 67; six steps of max(667, ≤ 50) = 667; last store ⌈66.7/8⌉ = 9
    expect(d).toMatchObject({ fits: false, tiles: 6, weightSlices: 1, cycles: 67 + 6 * 667 + 9 });
    expect(d.dmaWaitCycles).toBe(67 + 6 * 667 + 9 - 4000);
  });

  it('a DMA-bound layer takes the transfer time per step', () => {
    const d = rbeDmaSchedule({
      rbeCycles: 120,
      inputBytes: 2000,
      weightBytes: 200,
      outputBytes: 400,
      tcdmBytes: 1024,
      dmaBytesPerCycle: 8,
    });
    // steps: max(20, ⌈333.3/8⌉ = 42), 4 × max(20, ⌈400/8⌉ = 50), max(20, ⌈66.7/8⌉ = 9)
    expect(d.cycles).toBe(67 + 42 + 4 * 50 + 20 + 9);
    expect(d.dmaWaitCycles).toBe(d.cycles - 120);
  });

  it('weights larger than a quarter of the TCDM are split into slices; inputs are fetched once per slice', () => {
    const d = rbeDmaSchedule({
      rbeCycles: 1200,
      inputBytes: 500,
      weightBytes: 600,
      outputBytes: 300,
      tcdmBytes: 1024,
      dmaBytesPerCycle: 8,
    });
    // 3 slices of 200 B (budget 256), halves of 384 B, 2 tiles of 250 B in + 50 B out, 200 RBE cycles each:
    // per slice ⌈450/8⌉ = 57 + 2 × 200 + ⌈50/8⌉ = 7
    expect(d).toMatchObject({ weightSlices: 3, tiles: 2, cycles: 3 * (57 + 400 + 7) });
    expect(d.bytesIn).toBe(3 * 500 + 600);
    expect(d.bytesOut).toBe(300);
  });
});
