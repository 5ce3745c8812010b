/**
 * The movidius target: SHAVE / NCE / CMX / USB timing on hand-worked layers, the calibration
 * points of edge.md §4 within the stated band, the uncalibrated NCS2, refusals.
 */
import { describe, expect, it } from 'vitest';
import { CALIBRATION } from '../../../scripts/edge-calibration/measurements.js';
import {
  cmxWeightSlices,
  movidiusLayer,
  shaveConvCycles,
  type MovidiusWork,
} from '../../../src/targets/movidius/shave.js';
import type { MovidiusSpec } from '../../../src/targets/movidius/spec.js';
import { cli } from '../../cli/helpers.js';
import { movidiusSpec, preset, simulate } from '../jetson/helpers.js';

const ncs = movidiusSpec();
const ideal: MovidiusSpec = {
  ...ncs,
  calibration: { ...ncs.calibration, shaveEfficiency: 1, dramEfficiency: 1, layerOverheadS: 0 },
};
const conv = (
  o: Partial<Extract<MovidiusWork, { kind: 'conv' }>>,
): Extract<MovidiusWork, { kind: 'conv' }> => ({
  kind: 'conv',
  batch: 1,
  groups: 1,
  outH: 28,
  outW: 28,
  kh: 3,
  kw: 3,
  cinG: 64,
  coutG: 64,
  macs: 28 * 28 * 9 * 64 * 64,
  inElements: 0,
  weightElements: 0,
  outElements: 0,
  ...o,
});

describe('movidius: SHAVEs, CMX, DMA, USB', () => {
  it('the NCS preset: 12 SHAVEs of 8 FP16 lanes at 600 MHz, no NCE', () => {
    expect([ncs.shaves, ncs.lanes, ncs.clockHz, ncs.nceMacsPerCycle]).toEqual([12, 8, 600e6, undefined]);
  });

  it('a 3×3 conv, 64 → 64, 28×28 out, splits by rows: ⌈28/12⌉·28·9·64·⌈64/8⌉ cycles', () => {
    const s = shaveConvCycles(conv({}), 12, 8);
    expect(s.split).toBe('rows');
    expect(s.cycles).toBe(3 * 28 * 9 * 64 * 8);
    expect(s.vectorMacs).toBe(28 * 28 * 9 * 64 * 64);
  });

  it('a batch-1 dense layer splits by output-channel vectors: ⌈⌈1000/8⌉/12⌉·4096 cycles', () => {
    const s = shaveConvCycles(conv({ outH: 1, outW: 1, kh: 1, kw: 1, cinG: 4096, coutG: 1000 }), 12, 8);
    expect(s.split).toBe('channels');
    expect(s.cycles).toBe(11 * 4096);
  });

  it('weights beyond half the CMX are sliced and the input re-read per slice; DMA overlaps compute', () => {
    expect(cmxWeightSlices(1024 * 1024, ncs.cmxBytes)).toBe(1);
    expect(cmxWeightSlices(1024 * 1024 + 2, ncs.cmxBytes)).toBe(2);
    const w = conv({ inElements: 100_000, weightElements: 1_500_000, outElements: 50_000 });
    const t = movidiusLayer(w, ideal, { inBytes: 0, outBytes: 0 });
    expect(t.extra.weightSlices).toBe(3);
    const bytes = (100_000 * 3 + 1_500_000 + 50_000) * 2;
    expect(t.dmaCycles).toBe(Math.ceil((bytes / ncs.dramBytesPerS) * 600e6));
    expect(t.cycles).toBe(Math.max(t.computeCycles, t.dmaCycles));
  });

  it('USB: the first layer waits for the FP16 input, at the USB rate', () => {
    const t = movidiusLayer(conv({}), ideal, { inBytes: 224 * 224 * 3 * 2, outBytes: 0 });
    expect(t.usbCycles).toBe(Math.ceil(((224 * 224 * 3 * 2) / 5e8) * 600e6));
    expect(t.cycles).toBe(t.computeCycles + t.usbCycles);
  });

  it('the NCS2 runs convs on the NCE (1 TOPS) and depthwise convs on its 16 SHAVEs', () => {
    const ncs2 = movidiusSpec('movidius/ncs2.yaml');
    expect(ncs2.nceMacsPerCycle).toBeCloseTo(1e12 / 2 / 600e6, 9);
    expect(movidiusLayer(conv({}), ncs2, { inBytes: 0, outBytes: 0 }).extra.unit).toBe('nce');
    expect(
      movidiusLayer(conv({ groups: 64, cinG: 1, coutG: 1 }), ncs2, { inBytes: 0, outBytes: 0 }).extra.unit,
    ).toBe('shave');
  });

  it('every NCS calibration point is inside the stated band; every layer says calibrated', () => {
    const band = ncs.calibration.errorBand!;
    for (const m of CALIBRATION.filter((x) => x.device === 'ncs')) {
      const r = simulate({
        hw: preset('movidius/ncs.yaml'),
        workload: m.workload,
        formats: { format: m.format },
      });
      expect(r.fidelity).toBe('calibrated');
      expect(100 * Math.abs(r.totals.inferencesPerS / m.inferencesPerS - 1), m.workload).toBeLessThanOrEqual(
        band.inferencesPerSPct + 1e-9,
      );
      expect(
        100 * Math.abs(r.totals.inferencesPerSPerW! / m.inferencesPerSPerW - 1),
        m.workload,
      ).toBeLessThanOrEqual(band.inferencesPerSPerWPct + 1e-9);
      for (const l of r.layers) expect(l.errorBand).toMatch(/^inferences\/s within ±/);
    }
  });

  it('the NCS2 is faster than the NCS and says it is uncalibrated', () => {
    const a = simulate({ hw: preset('movidius/ncs.yaml'), workload: 'resnet18' });
    const b = simulate({ hw: preset('movidius/ncs2.yaml'), workload: 'resnet18' });
    expect(b.totals.inferencesPerS).toBeGreaterThan(a.totals.inferencesPerS);
    expect(b.layers[0]!.errorBand).toMatch(/no measurement of ncs2 .* uncalibrated/);
  });

  it('refuses formats other than FP16 and transformer layers (exit 2)', async () => {
    const hw = preset('movidius/ncs.yaml');
    const f = await cli(
      'simulate',
      '--hw',
      hw,
      '--workload',
      'alexnet',
      '--format',
      'int8',
      '--skip-reports',
    );
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(
      /--format: got int8; expected fp16 for both weights and activations: the Myriad 2 \(NCS\) runs networks in FP16/,
    );
    const t = await cli(
      'simulate',
      '--hw',
      hw,
      '--workload',
      'bert-base',
      '--param',
      'layers=1',
      '--skip-reports',
    );
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/got layernorm; expected an op the movidius target maps/);
  });
});
