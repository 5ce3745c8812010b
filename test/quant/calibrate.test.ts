import { describe, expect, it } from 'vitest';
import { runReference } from '../../src/graph/analyze.js';
import { loadWorkload } from '../../src/graph/workload.js';
import {
  calibrate,
  extent,
  materializeParameters,
  seededInputs,
  seededParameter,
} from '../../src/quant/index.js';
import { smallCnn } from './helpers.js';

describe('seeded parameters', () => {
  it('give every zoo parameter values, per tensor name and seed', () => {
    const g = loadWorkload('squeezenet1_1');
    const m = materializeParameters(g, 5);
    for (const [name, t] of m.tensors) {
      if (t.role === 'weight' || t.role === 'bias' || t.role === 'constant') {
        expect(t.data?.length, name).toBe(t.shape.reduce((a, b) => a * b, 1));
      }
    }
    // same tensor, same seed → same values, whatever else is in the graph
    const conv1 = m.tensors.get('conv1.weight')!;
    expect(seededParameter(conv1, g.nodes[0], 1, 5)).toEqual(conv1.data);
    expect(seededParameter(conv1, g.nodes[0], 1, 6)).not.toEqual(conv1.data);
    // He-normal: std √(2 / fan-in); conv1 of SqueezeNet 1.1 is 64 × 3 × 3 × 3 (fan-in 27)
    const d = conv1.data!;
    const std = Math.sqrt(d.reduce((s, v) => s + v * v, 0) / d.length);
    expect(std).toBeGreaterThan(0.9 * Math.sqrt(2 / 27));
    expect(std).toBeLessThan(1.1 * Math.sqrt(2 / 27));
    // already concrete parameters are kept
    expect(materializeParameters(m, 9)).toBe(m);
  });

  it('keep batchnorm variances positive', () => {
    const g = materializeParameters(loadWorkload('mobilenetv2'), 1);
    const vars = [...g.tensors.values()].filter((t) => t.name.endsWith('.var'));
    expect(vars.length).toBeGreaterThan(10);
    for (const v of vars) expect(extent(v.data!).min).toBeGreaterThan(0);
  });

  it('give deterministic calibration inputs', () => {
    const g = smallCnn();
    expect(seededInputs(g, 2, 4)).toEqual(seededInputs(g, 2, 4));
    const [a, b] = seededInputs(g, 2, 4);
    expect(a!.get('x')!.data).not.toEqual(b!.get('x')!.data);
    expect(a!.get('x')!.shape).toEqual([1, 3, 12, 12]);
  });
});

describe('calibrate', () => {
  const g = materializeParameters(smallCnn(), 7);
  const inputs = seededInputs(g, 3, 3);

  it('keeps exact ranges, all values of small tensors and the float outputs', () => {
    const cal = calibrate(g, inputs);
    const runs = inputs.map((i) => runReference(g, i, () => expect.unreachable()));
    const c1 = runs.map((r) => r.get('c1')!.data);
    const all = Float32Array.from(c1.flatMap((d) => Array.from(d)));
    const s = cal.stats.get('c1')!;
    expect(s.sample).toEqual(all);
    expect(s.count).toBe(all.length);
    expect({ min: s.min, max: s.max }).toEqual({ min: extent(all).min, max: extent(all).max });
    expect(cal.reference.map((r) => r.get('y'))).toEqual(runs.map((r) => r.get('y')!.data));
    expect(cal.stats.has('w1')).toBe(false);
  });

  it('subsamples large tensors deterministically but keeps their exact range', () => {
    const cal = calibrate(g, inputs, { maxSamples: 300 });
    const s = cal.stats.get('c1')!; // 3 × 1152 values
    expect(s.sample.length).toBeLessThanOrEqual(300 + inputs.length);
    expect(s.count).toBe(3 * 1152);
    const full = calibrate(g, inputs).stats.get('c1')!;
    expect([s.min, s.max]).toEqual([full.min, full.max]);
    expect(calibrate(g, inputs, { maxSamples: 300 }).stats.get('c1')!.sample).toEqual(s.sample);
  });
});
