import { describe, expect, it } from 'vitest';
import type { Graph, TensorInfo } from '../../src/graph/ir.js';
import {
  calibrate,
  combinedError,
  dominates,
  fakeQuantEvaluator,
  layerSensitivity,
  macEnergyModel,
  materializeParameters,
  mixedPrecisionSearch,
  paretoFront,
  rankBySensitivity,
  seededInputs,
  type Assignment,
  type MixedPrecisionResult,
} from '../../src/quant/index.js';
import { InputError } from '../../src/units/errors.js';
import { smallCnn } from './helpers.js';

const float = materializeParameters(smallCnn(), 7);
const inputs = seededInputs(float, 3, 3);

/**
 * conv2 made fragile: conv1's channel 0 is always 0 after relu (zero weights, bias −10), and every
 * conv2 weight reading that channel is 100. The float output does not see them, but per-tensor
 * min-max quantization of conv2 then rounds all its real weights (|w| ≲ 0.5) to 0 at any width.
 */
function fragileCnn(): Graph {
  const tensors = new Map(float.tensors);
  const patch = (name: string, f: (data: Float32Array) => void): void => {
    const t = tensors.get(name)!;
    const data = Float32Array.from(t.data!);
    f(data);
    tensors.set(name, { ...t, data } satisfies TensorInfo);
  };
  patch('w1', (d) => d.fill(0, 0, 27));
  patch('b1', (d) => (d[0] = -10));
  patch('w2', (d) => {
    for (let o = 0; o < 16; o++) d.fill(100, o * 72, o * 72 + 9);
  });
  return { ...float, tensors };
}

describe('layerSensitivity', () => {
  it('ranks a deliberately fragile layer first at every width', () => {
    const g = fragileCnn();
    const table = layerSensitivity(g, inputs, [2, 4, 8], { granularity: 'per-tensor', method: 'minmax' });
    expect(table.map((s) => `${s.layer}@${s.bits}`)).toEqual([
      'conv1@2',
      'conv1@4',
      'conv1@8',
      'conv2@2',
      'conv2@4',
      'conv2@8',
      'fc@2',
      'fc@4',
      'fc@8',
    ]);
    for (const bits of [2, 4, 8]) expect(rankBySensitivity(table, bits)[0]).toBe('conv2');
    // conv2 at 8 bits is worse than any other layer at 2 bits
    const at = (layer: string, bits: number) => table.find((s) => s.layer === layer && s.bits === bits)!;
    expect(at('conv2', 8).sqnrDb).toBeLessThan(Math.min(at('conv1', 2).sqnrDb, at('fc', 2).sqnrDb));
  });

  it('measures on held-out inputs, with either evaluator, weights alone or with their inputs', () => {
    const heldOut = seededInputs(float, 2, 77);
    const opts = { evaluation: heldOut, layers: ['conv2'] } as const;
    const exec = layerSensitivity(float, inputs, [2, 8], opts);
    const fake = layerSensitivity(float, inputs, [2, 8], { ...opts, evaluate: fakeQuantEvaluator });
    expect(exec.map((e) => e.layer)).toEqual(['conv2', 'conv2']);
    exec.forEach((e, i) => {
      expect(e.sqnrDb).toBeCloseTo(fake[i]!.sqnrDb, 2);
    });
    const both = layerSensitivity(float, inputs, [2, 8], { ...opts, activationsFollowBits: true });
    // with its input at 2 bits too the result changes (not necessarily for the worse: the two
    // errors need not add up)
    expect(both[0]!.sqnrDb).not.toBe(exec[0]!.sqnrDb);
    expect(both[0]!.sqnrDb).toBeLessThan(exec[1]!.sqnrDb);
    expect(() => layerSensitivity(float, inputs, [2], { layers: ['relu1'] })).toThrow(InputError);
    expect(() => layerSensitivity(float, inputs, [2], { layers: ['relu1'] })).toThrow(/relu1/);
    expect(() => layerSensitivity(float, inputs, [0, 4])).toThrow(/bitsChoices/);
  });

  it('falls with fewer bits on an ordinary network (and is deterministic)', () => {
    const table = layerSensitivity(float, inputs);
    for (const layer of ['conv1', 'conv2', 'fc']) {
      const s = table.filter((e) => e.layer === layer).map((e) => e.sqnrDb);
      expect(s[0]).toBeLessThan(s[1]!);
      expect(s[1]).toBeLessThan(s[2]!);
      expect(s[2]).toBeGreaterThan(40); // 8 bits, one layer, per-channel
    }
    expect(layerSensitivity(float, calibrate(float, inputs))).toEqual(table);
  });
});

function checkFront(r: MixedPrecisionResult, max: number): void {
  expect(r.front.length).toBeGreaterThan(0);
  for (const p of r.front) {
    expect(p.cost).toBeLessThanOrEqual(max);
    expect(p.withinBudget).toBe(true);
  }
  // non-dominated, pairwise (checked directly, not through dominates())
  for (const a of r.front) {
    for (const b of r.front) {
      if (a === b) continue;
      const aBeatsB = a.cost <= b.cost && a.sqnrDb >= b.sqnrDb && (a.cost < b.cost || a.sqnrDb > b.sqnrDb);
      expect(aBeatsB).toBe(false);
    }
  }
  // monotone: cost ascending, SQNR strictly ascending
  for (let i = 1; i < r.front.length; i++) {
    expect(r.front[i]!.cost).toBeGreaterThan(r.front[i - 1]!.cost);
    expect(r.front[i]!.sqnrDb).toBeGreaterThan(r.front[i - 1]!.sqnrDb);
  }
  // every feasible measured point is matched or beaten by a front point
  for (const p of r.path.filter((q) => q.cost <= max)) {
    expect(r.front.some((f) => f === p || (f.cost <= p.cost && f.sqnrDb >= p.sqnrDb))).toBe(true);
  }
  // best: the highest SQNR within the budget
  const feasible = r.path.filter((q) => q.cost <= max).map((q) => q.sqnrDb);
  expect(r.best?.sqnrDb).toBe(Math.max(...feasible));
}

function bitsOf(a: Assignment): number[] {
  return a.bits.map((b) => b.bits);
}

describe('mixedPrecisionSearch', () => {
  const allEightBits = (216 + 1152 + 160) * 8;

  it('walks down from all-8 one layer and one step at a time, under a model-size budget', () => {
    const max = allEightBits / 2;
    const r = mixedPrecisionSearch(float, inputs, { budget: { kind: 'model-bits', max } });
    expect(r.path).toHaveLength(1 + 3 * 2);
    expect(bitsOf(r.path[0]!)).toEqual([8, 8, 8]);
    expect(r.path[0]!.modelBits).toBe(allEightBits);
    expect(bitsOf(r.path[r.path.length - 1]!)).toEqual([2, 2, 2]);
    for (let i = 1; i < r.path.length; i++) {
      const before = bitsOf(r.path[i - 1]!);
      const after = bitsOf(r.path[i]!);
      const changed = after.map((b, j) => [before[j]!, b] as const).filter(([x, y]) => x !== y);
      expect(changed).toHaveLength(1);
      expect([
        [8, 4],
        [4, 2],
      ]).toContainEqual([...changed[0]!]);
      expect(r.path[i]!.modelBits).toBeLessThan(r.path[i - 1]!.modelBits);
    }
    // the cheapest point really is cheaper and worse than all-8
    expect(r.path[0]!.sqnrDb).toBeGreaterThan(r.path[r.path.length - 1]!.sqnrDb);
    expect(r.path[0]!.withinBudget).toBe(false);
    expect(r.path.every((p) => p.energyPj === null && p.cost === p.modelBits)).toBe(true);
    checkFront(r, max);
  });

  it('respects an energy budget priced by the cost model', () => {
    const energy = macEnergyModel('int8', 'int32', { nodeNm: 45 });
    expect(energy(2)).toBeLessThan(energy(4));
    expect(energy(4)).toBeLessThan(energy(8));
    const macs = [8 * 12 * 12 * 27, 16 * 6 * 6 * 72, 160];
    const all8 = macs.reduce((s, m) => s + m * energy(8), 0);
    const max = 0.8 * all8;
    const sensitivity = layerSensitivity(float, inputs);
    const r = mixedPrecisionSearch(float, inputs, {
      budget: { kind: 'energy', energyPerMacPj: energy, max },
      sensitivity,
    });
    expect(r.path[0]!.energyPj).toBeCloseTo(all8, 9);
    for (const p of r.path) {
      const e = p.bits.reduce((s, b, i) => s + macs[i]! * energy(b.bits), 0);
      expect(p.energyPj).toBeCloseTo(e, 9);
      expect(p.withinBudget).toBe(e <= max);
    }
    checkFront(r, max);
  });

  it('returns an empty front and no best point when nothing fits', () => {
    const r = mixedPrecisionSearch(float, inputs, { budget: { kind: 'model-bits', max: 10 } });
    expect(r.front).toEqual([]);
    expect(r.best).toBeUndefined();
    expect(r.path).toHaveLength(7);
  });
});

describe('paretoFront', () => {
  it('keeps the non-dominated points, cost ascending', () => {
    const pts = [
      { id: 'a', cost: 10, sqnrDb: 30 },
      { id: 'b', cost: 5, sqnrDb: 20 },
      { id: 'c', cost: 7, sqnrDb: 15 }, // dominated by b
      { id: 'd', cost: 10, sqnrDb: 25 }, // dominated by a
      { id: 'e', cost: 2, sqnrDb: 20 }, // dominates b
      { id: 'f', cost: 12, sqnrDb: 30 }, // dominated by a
      { id: 'g', cost: 20, sqnrDb: 40 },
    ];
    expect(paretoFront(pts).map((p) => p.id)).toEqual(['e', 'a', 'g']);
    expect(dominates(pts[4]!, pts[1]!)).toBe(true);
    expect(dominates(pts[1]!, pts[1]!)).toBe(false);
  });
});

describe('combinedError', () => {
  it('takes several tensors as one: Σ ref² / Σ (ref − test)²', () => {
    const e = combinedError([
      { ref: [1, 2], test: [1, 1] },
      { ref: [3], test: [3] },
    ]);
    expect(e.sqnrDb).toBeCloseTo(10 * Math.log10(14 / 1), 12);
    expect(e.noisePower).toBeCloseTo(1 / 3, 15);
    expect(e.maxAbsError).toBe(1);
    expect(combinedError([{ ref: [1, 2], test: [1, 2] }]).sqnrDb).toBe(Infinity);
  });
});
