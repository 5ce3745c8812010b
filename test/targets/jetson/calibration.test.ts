/**
 * The calibration (npm run calibrate:edge): a fresh fit reproduces every committed file it writes
 * (presets, blocks.yaml rows, the docs' tables), and the simulator — through its cost roll-up —
 * reproduces every calibration point of edge.md §4 within the band the presets and docs state.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { calibrateEdge, type EdgeCalibration } from '../../../scripts/edge-calibration/fit.js';
import { CALIBRATION } from '../../../scripts/edge-calibration/measurements.js';
import { abs, renderAll } from '../../../scripts/edge-calibration/render.js';
import { jetsonSpec, preset, simulate } from './helpers.js';

let cal: EdgeCalibration;
beforeAll(() => {
  cal = calibrateEdge();
}, 120_000);

const relErr = (model: number, measured: number): number => Math.abs(model / measured - 1);

describe('edge calibration', () => {
  it('a fresh fit reproduces the committed presets, blocks.yaml rows and docs tables exactly', () => {
    const files = renderAll(cal, (rel) => readFileSync(abs(rel), 'utf8'));
    expect(files.size).toBe(10);
    for (const [rel, text] of files) expect(readFileSync(abs(rel), 'utf8'), rel).toBe(text);
  });

  it('the fit uses only edge.md §4 measurements, and every Xavier row of the calibration set', () => {
    const xavier = CALIBRATION.filter((m) => m.device === 'agx-xavier');
    expect(xavier).toHaveLength(36);
    expect(cal.xavier.points.map((p) => p.measurement)).toEqual(xavier);
    for (const m of CALIBRATION) expect(m.source).toMatch(/^edge\.md §4/);
  });

  it('every Xavier calibration point, simulated and priced, is inside the stated band of its unit and mode', () => {
    const spec = jetsonSpec();
    for (const m of CALIBRATION.filter((x) => x.device === 'agx-xavier')) {
      const r = simulate({
        hw: preset('jetson/agx-xavier-maxn.yaml'),
        workload: m.workload,
        formats: { format: m.format },
        presetFlags: { 'op-point': m.mode, 'device-engine': m.engine === 'dla' ? 'dla' : 'gpu' },
      });
      const band = spec.modes.find((x) => x.name === m.mode)!.errorBand[m.engine === 'dla' ? 'dla' : 'gpu']!;
      const what = `${m.engine} ${m.mode} ${m.workload} ${m.format}`;
      const e1 = relErr(r.totals.inferencesPerS, m.inferencesPerS);
      const e2 = relErr(r.totals.inferencesPerSPerW!, m.inferencesPerSPerW);
      expect(100 * e1, what).toBeLessThanOrEqual(band.inferencesPerSPct + 1e-9);
      expect(100 * e2, what).toBeLessThanOrEqual(band.inferencesPerSPerWPct + 1e-9);
      // the simulator gives exactly what the fit computed
      const p = cal.xavier.points.find((q) => q.measurement === m)!;
      expect(r.totals.inferencesPerS / p.modelInferencesPerS, what).toBeCloseTo(1, 9);
      expect(r.totals.inferencesPerSPerW! / p.modelInferencesPerSPerW, what).toBeCloseTo(1, 9);
    }
  }, 120_000);

  it('the stated bands are the max errors, rounded up to 0.1 %; GPU inf/s within ±25 %, DLA within ±20 %', () => {
    for (const [mode, b] of Object.entries(cal.xavier.bands)) {
      for (const [unit, band] of Object.entries(b)) {
        const pts = cal.xavier.points.filter(
          (p) => p.measurement.mode === mode && p.measurement.engine === unit,
        );
        const max = Math.max(...pts.map((p) => relErr(p.modelInferencesPerS, p.measurement.inferencesPerS)));
        expect(band.inferencesPerSPct).toBe(Math.ceil(max * 1000 - 1e-9) / 10);
        expect(band.inferencesPerSPct, `${unit} ${mode}`).toBeLessThanOrEqual(unit === 'gpu' ? 25 : 20);
        expect(band.inferencesPerSPerWPct, `${unit} ${mode}`).toBeLessThanOrEqual(40);
      }
    }
    const docs = readFileSync(abs('docs/jetson.md'), 'utf8');
    expect(docs).toContain(`| GPU | maxn | ±${cal.xavier.bands.maxn!.gpu.inferencesPerSPct} % |`);
  });

  it('INT8 is not fitted: the MLPerf comparisons are reported, batch 1 within 10 %', () => {
    const ss = cal.validation.find((v) => v.id === 'mlperf-singlestream')!;
    expect(relErr(ss.modelInferencesPerS, ss.measuredInferencesPerS)).toBeLessThan(0.1);
    const off = cal.validation.find((v) => v.id === 'mlperf-offline')!;
    // GPU and two DLAs summed as if they shared nothing: an overestimate, within 25 %
    expect(off.modelInferencesPerS).toBeGreaterThan(off.measuredInferencesPerS);
    expect(relErr(off.modelInferencesPerS, off.measuredInferencesPerS)).toBeLessThan(0.25);
  });
});
