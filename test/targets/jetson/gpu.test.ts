/**
 * The GPU kernel model on hand-worked cases: wave and tile quantization of GEMM tiles over the 8
 * SMs, the library's tile pick, GEMV and Winograd tactics, memory-bound kernels.
 */
import { describe, expect, it } from 'vitest';
import { bestTile, planGpuKernel, tileCycles, type GemmWork } from '../../../src/targets/jetson/gpu.js';
import type { JetsonCalibration } from '../../../src/targets/jetson/spec.js';
import { jetsonSpec } from './helpers.js';

const spec = jetsonSpec();
const g = spec.gpu;
/** Efficiency 1 and no overhead: the cycles are the formulas' and nothing else. */
const ideal: JetsonCalibration = {
  ...spec.calibration,
  tensorEfficiency: 1,
  cudaEfficiency: 1,
  dramEfficiency: 1,
  kernelOverheadCycles: 0,
};
const fast = { clockHz: 1e9, dramBytesPerS: 1e15 };

const gemm = (m: number, n: number, k: number, groups = 1): GemmWork => ({
  kind: 'gemm',
  m,
  n,
  k,
  groups,
  inElements: 0,
  weightElements: 0,
  outElements: 0,
});

describe('jetson GPU: GEMM tiles in waves over the SMs', () => {
  it('the preset is the Xavier GPU: 8 SMs, 512 FP16 tensor MACs per SM-cycle', () => {
    expect(g.sms).toBe(8);
    expect(g.tensorCoresPerSm * g.tensorFp16FmaPerCorePerCycle).toBe(512);
  });

  it('ResNet-50 layer4 3×3 conv (M 49, N 512, K 4608, FP16): 8 tiles of 64×64 in one wave', () => {
    // 64×64: ⌈49/64⌉·⌈512/64⌉ = 8 tiles, ⌈8/8⌉ = 1 wave, 64·64·4608/512 = 36 864 cycles
    const t64 = tileCycles(49, 512, 4608, 1, [64, 64], 8, 512, 1);
    expect(t64).toMatchObject({ tiles: 8, waves: 1, tileCycles: 36864, cycles: 36864 });
    // 128×128: 4 tiles, 1 wave (half the SMs idle), 128·128·4608/512 = 147 456 cycles
    const t128 = tileCycles(49, 512, 4608, 1, [128, 128], 8, 512, 1);
    expect(t128).toMatchObject({ tiles: 4, waves: 1, tileCycles: 147456 });
    const best = bestTile(49, 512, 4608, 1, g, 'fp16', ideal);
    expect([best.tileM, best.tileN, best.cycles]).toEqual([64, 64, 36864]);
  });

  it('wave quantization: 49 tiles over 8 SMs take 7 waves (the 7th has one tile)', () => {
    // ResNet-50 layer1 1×1 conv: M 56·56 = 3136, N 64, K 64
    const t = tileCycles(3136, 64, 64, 1, [64, 64], 8, 512, 1);
    expect(t.tiles).toBe(49);
    expect(t.waves).toBe(7);
    expect(t.tileCycles).toBe((64 * 64 * 64) / 512);
    expect(t.cycles).toBe(7 * 512);
    // 128×64: 25 tiles, 4 waves of 1024 cycles = 4096 > 3584: the library keeps 64×64
    expect(tileCycles(3136, 64, 64, 1, [128, 64], 8, 512, 1).cycles).toBe(4 * 1024);
    expect(bestTile(3136, 64, 64, 1, g, 'fp16', ideal).tileM).toBe(64);
  });

  it('on a tie the larger tile wins (fewer bytes through L2)', () => {
    // M 1024, N 128, K 64: 128×128 → 8 tiles, 1 wave of 2048; 64×64 → 32 tiles, 4 waves of 512
    const best = bestTile(1024, 128, 64, 1, g, 'fp16', ideal);
    expect([best.tileM, best.tileN, best.cycles]).toEqual([128, 128, 2048]);
  });

  it('tile quantization: K rounds up to the tensor K step (conv1: K = 147 → 152 in FP16, 160 in INT8)', () => {
    expect(bestTile(12544, 64, 147, 1, g, 'fp16', ideal).kPadded).toBe(152);
    expect(bestTile(12544, 64, 147, 1, g, 'int8', ideal).kPadded).toBe(160);
    expect(bestTile(12544, 64, 147, 1, g, 'fp32', ideal).kPadded).toBe(147);
  });

  it('INT8 halves a compute-bound tile; FP32 on the CUDA cores is 8× slower than FP16', () => {
    const fp16 = bestTile(4096, 512, 4608, 1, g, 'fp16', ideal).cycles;
    expect(bestTile(4096, 512, 4608, 1, g, 'int8', ideal).cycles).toBe(fp16 / 2);
    expect(bestTile(4096, 512, 4608, 1, g, 'fp32', ideal).cycles).toBe(fp16 * 8);
  });

  it('efficiency divides a tile: 36 864 cycles at efficiency 0.5 are 73 728', () => {
    expect(tileCycles(49, 512, 4608, 1, [64, 64], 8, 512, 0.5).tileCycles).toBe(73728);
  });

  it('a batch-1 dense layer runs as a split-K GEMV and is DRAM-bound', () => {
    // VGG fc6: 25088 × 4096 FP16 weights = 205.5 MB at 100 GB/s and 1 GHz = 2.055 M cycles
    const w: GemmWork = {
      ...gemm(1, 4096, 25088),
      inElements: 25088,
      weightElements: 25088 * 4096,
      outElements: 4096,
    };
    const plan = planGpuKernel(w, 'fp16', g, ideal, { clockHz: 1e9, dramBytesPerS: 100e9 });
    expect(plan.tactic).toBe('gemv');
    // compute: 102.8 M MACs over 8 SMs × 64 cores × 2 FP16 lanes
    expect(plan.computeCycles).toBe(Math.ceil((25088 * 4096) / 1024));
    const bytes = (25088 + 25088 * 4096 + 4096) * 2;
    expect(plan.memoryCycles).toBe(Math.ceil((bytes / 100e9) * 1e9));
    expect(plan.cycles).toBe(plan.memoryCycles);
  });

  it('FP32 3×3 stride-1 convs take the Winograd tactic (16/36 of the multiplies) when it is faster', () => {
    // VGG conv3: 56×56 output, 256 → 256 channels
    const w: GemmWork = { ...gemm(3136, 256, 2304), winograd: { tiles: 28 * 28, cin: 256 } };
    const plan = planGpuKernel(w, 'fp32', g, ideal, fast);
    expect(plan.tactic).toBe('winograd');
    expect(plan.executed).toBeLessThan(3136 * 256 * 2304 * 0.5);
    // not on the tensor cores
    expect(planGpuKernel(w, 'fp16', g, ideal, fast).tactic).toBe('tiles');
  });

  it('every kernel pays the fitted overhead on top of max(compute, DRAM)', () => {
    const cal = { ...ideal, kernelOverheadCycles: 1000 };
    const plan = planGpuKernel(
      { kind: 'memory', ops: 8 * 64 * 10, inElements: 0, outElements: 0 },
      'fp32',
      g,
      cal,
      fast,
    );
    expect(plan.cycles).toBe(10 + 1000);
  });
});
