/**
 * The jetson target end to end: power-mode ordering, INT8 against FP16 (and the published INT8
 * figure), batch, DLA fallbacks, the calibrated label and error band on every layer, refusals.
 */
import { describe, expect, it } from 'vitest';
import type { SimResult } from '../../../src/sim/result.js';
import { join } from 'node:path';
import { packageRoot } from '../../../src/units/paths.js';
import { cli } from '../../cli/helpers.js';
import { preset, simulate } from './helpers.js';

const MAXN = preset('jetson/agx-xavier-maxn.yaml');
const run = (
  workload: string,
  format: string,
  o: { mode?: string; engine?: 'gpu' | 'dla'; batch?: number; params?: Record<string, string> } = {},
): SimResult =>
  simulate({
    hw: MAXN,
    workload,
    formats: { format },
    ...(o.batch !== undefined ? { batch: o.batch } : {}),
    ...(o.params !== undefined ? { params: o.params } : {}),
    presetFlags: {
      ...(o.mode !== undefined ? { 'op-point': o.mode } : {}),
      ...(o.engine !== undefined ? { 'device-engine': o.engine } : {}),
    },
  });

describe('jetson target', () => {
  it('power modes: MAXN is the fastest and 10 W draws the least power, on the GPU and on the DLA', () => {
    for (const engine of ['gpu', 'dla'] as const) {
      const r = ['maxn', '30w', '15w', '10w'].map((mode) => run('resnet50', 'fp16', { mode, engine }).totals);
      const ips = r.map((t) => t.inferencesPerS);
      const watts = r.map((t) => t.powerW!);
      expect(ips, engine).toEqual([...ips].sort((a, b) => b - a));
      expect(Math.max(...ips), engine).toBe(ips[0]);
      expect(Math.min(...watts), engine).toBe(watts[3]);
      expect(watts, engine).toEqual([...watts].sort((a, b) => b - a));
    }
  });

  it('the per-mode presets equal the MAXN preset with --op-point', () => {
    for (const mode of ['30w', '15w', '10w']) {
      const a = simulate({
        hw: preset(`jetson/agx-xavier-${mode}.yaml`),
        workload: 'alexnet',
        formats: { format: 'fp16' },
      });
      const b = run('alexnet', 'fp16', { mode });
      expect(a.totals).toEqual(b.totals);
    }
  });

  it('INT8 is faster and more efficient than FP16 on both units, and matches MLPerf SingleStream (edge.md §5) within 10 %', () => {
    for (const engine of ['gpu', 'dla'] as const) {
      const fp16 = run('resnet50', 'fp16', { engine }).totals;
      const int8 = run('resnet50', 'int8', { engine }).totals;
      expect(int8.inferencesPerS, engine).toBeGreaterThan(1.3 * fp16.inferencesPerS);
      expect(int8.inferencesPerSPerW!, engine).toBeGreaterThan(fp16.inferencesPerSPerW!);
    }
    // MLPerf v1.0 SingleStream ResNet-50 INT8 on the AGX Xavier: mean latency 1.95 ms (never fitted)
    const latencyS = run('resnet50', 'int8').totals.latencyS;
    expect(Math.abs(latencyS / 1.95e-3 - 1)).toBeLessThan(0.1);
  });

  it('FP32 runs on the CUDA cores and is slower than FP16 (edge.md §4: ×2.0–2.6 at MAXN)', () => {
    for (const w of ['alexnet', 'resnet50', 'vgg16']) {
      const ratio = run(w, 'fp16').totals.inferencesPerS / run(w, 'fp32').totals.inferencesPerS;
      expect(ratio, w).toBeGreaterThan(1.8);
      expect(ratio, w).toBeLessThan(3.2);
    }
  });

  it('batch amortizes the kernel overheads and weights: more inferences/s at batch 8', () => {
    const b1 = run('resnet50', 'fp16').totals;
    const b8 = run('resnet50', 'fp16', { batch: 8 });
    expect(b8.batch).toBe(8);
    expect(b8.totals.inferencesPerS).toBeGreaterThan(1.5 * b1.inferencesPerS);
    expect(b8.totals.inferencesPerS).toBe(8 / b8.totals.latencyS);
  });

  it('every layer is labelled calibrated with its error band; totals are priced', () => {
    const r = run('resnet50', 'fp16');
    expect(r.target).toBe('jetson');
    expect(r.fidelity).toBe('calibrated');
    expect(r.totals.powerW).toBeGreaterThan(0);
    expect(r.totals.inferencesPerSPerW).toBeCloseTo(r.totals.inferencesPerS / r.totals.powerW!, 9);
    for (const l of r.layers) {
      expect(l.fidelity).toBe('calibrated');
      expect(l.errorBand).toMatch(
        /^inferences\/s within ±[\d.]+ %, inferences\/s\/W within ±[\d.]+ % over the 6 calibration points of the GPU in mode maxn/,
      );
    }
    expect(r.provenance['energy.module.static.ns']).toContain('jetson.agx-xavier.maxn.static');
  });

  it('the DLA runs convs on its array, fuses the SDP ops, and falls back to the GPU for softmax with a transfer', () => {
    const r = run('resnet50', 'fp16', { engine: 'dla' });
    const by = (name: string) => r.layers.find((l) => l.name === name)!;
    expect(by('conv1').unit).toBe('dla');
    expect(by('conv1').kernel).toMatch(/DLA conv core \(atomic 32x32\)/);
    expect(by('relu').kernel).toMatch(/fused into conv1 \(SDP/);
    expect(by('maxpool').kernel).toBe('DLA PDP pass');
    const prob = r.layers[r.layers.length - 1]!;
    expect(prob.op).toBe('softmax');
    expect(prob.unit).toBe('gpu');
    expect(prob.fallback).toMatch(/softmax has no DLA unit/);
    expect(prob.switchBytes).toBe(2 * 1000 * 2);
    expect(r.layers.filter((l) => l.switchBytes !== undefined)).toHaveLength(1);
  });

  it('transformers run: GEMMs on the GPU; on the DLA engine their matmuls and layer norms fall back', () => {
    const params = { layers: '1', seq: '64' };
    const gpu = run('bert-base', 'fp16', { params });
    expect(gpu.totals.inferencesPerS).toBeGreaterThan(0);
    const dla = run('bert-base', 'int8', { engine: 'dla', params });
    const fallbacks = dla.layers.filter((l) => typeof l.fallback === 'string').map((l) => l.op);
    expect(new Set(fallbacks)).toEqual(new Set(['layernorm', 'transpose', 'matmul', 'softmax', 'gelu']));
    expect(dla.layers.some((l) => l.op === 'dense' && l.unit === 'dla')).toBe(true);
  });

  it('every zoo CNN runs on the GPU and the DLA', () => {
    const zoo = [
      'alexnet',
      'googlenet',
      'mobilenetv2',
      'resnet18',
      'resnet101',
      'resnet152',
      'squeezenet1_0',
      'squeezenet1_1',
      'vgg19',
      'yolo-tiny',
    ];
    for (const w of zoo) {
      for (const engine of ['gpu', 'dla'] as const) {
        const t = run(w, 'fp16', { engine }).totals;
        expect(t.inferencesPerS, `${w} ${engine}`).toBeGreaterThan(0);
        expect(t.powerW, `${w} ${engine}`).toBeGreaterThan(3);
      }
    }
  });

  it('refuses formats a unit cannot run: exit 2, one message naming --format', async () => {
    const dla = preset('jetson/agx-xavier-maxn-dla.yaml');
    for (const [hw, format, want] of [
      [dla, 'int4', /got int4; expected a format the DLA of agx-xavier-maxn-dla runs: fp16 or int8/],
      [dla, 'fp32', /got fp32; expected a format the DLA .* it has no FP32/],
      [
        MAXN,
        'fp8-e4m3',
        /got fp8-e4m3; expected a format the GPU of agx-xavier-maxn runs: fp32, fp16 or int8/,
      ],
      [MAXN, 'w4a8', /got int4 weights × int8 activations/],
    ] as const) {
      const r = await cli(
        'simulate',
        '--hw',
        hw,
        '--workload',
        'resnet18',
        '--format',
        format,
        '--skip-reports',
      );
      expect(r.code, format).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr, format).toMatch(want);
    }
  });

  it('an unknown power mode or engine is refused naming the preset field (exit 2)', async () => {
    const r = await cli(
      'simulate',
      '--hw',
      MAXN,
      '--workload',
      'resnet18',
      '--op-point',
      '20w',
      '--skip-reports',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /power_mode: got "20w"; expected one of the power_modes names: maxn, 30w, 15w, 10w/,
    );
    expect(() => run('resnet18', 'fp16', { engine: 'npu' as 'gpu' })).toThrow(
      /engine: got "npu"; expected gpu or dla/,
    );
  });
});

describe('jetson: --engine gpu|dla on the command line', () => {
  it('--engine dla selects the DLA preset field; on systolic it is exit 2 naming --engine', async () => {
    const hw = join(packageRoot(), 'hw-configs', 'jetson', 'agx-xavier-maxn.yaml');
    const gpu = await cli(
      'simulate',
      '--hw',
      hw,
      '--workload',
      'resnet18',
      '--format',
      'fp16',
      '--json',
      '--skip-reports',
      '--workers',
      '1',
    );
    const dla = await cli(
      'simulate',
      '--hw',
      hw,
      '--workload',
      'resnet18',
      '--format',
      'fp16',
      '--engine',
      'dla',
      '--json',
      '--skip-reports',
      '--workers',
      '1',
    );
    expect(gpu.code).toBe(0);
    expect(dla.code).toBe(0);
    const engines = (out: string): string[] =>
      (JSON.parse(out) as { layers: { engine?: string; macs: number }[] }).layers
        .filter((l) => l.macs > 0)
        .map((l) => l.engine ?? '');
    expect(new Set(engines(gpu.stdout))).toEqual(new Set(['gpu']));
    expect(engines(dla.stdout)).toContain('dla');
    const sys = await cli(
      'simulate',
      '--hw',
      join(packageRoot(), 'hw-configs', 'systolic', 'default.yaml'),
      '--workload',
      'resnet18',
      '--engine',
      'dla',
      '--skip-reports',
    );
    expect(sys.code).toBe(2);
    expect(sys.stderr).toMatch(/^error: --engine: got "dla"; expected no such flag for the systolic target/);
  }, 60_000);
});
