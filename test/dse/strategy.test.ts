import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSweepSpec } from '../../src/dse/spec.js';
import { feasible, pointAt, spaceSize } from '../../src/dse/space.js';
import { offspring, plannedIndices, sampleIndices, selectSurvivors } from '../../src/dse/strategy.js';
import { Rng } from '../../src/units/index.js';
import { packageRoot } from '../../src/units/paths.js';

const FILE = join(packageRoot(), 'test', 'fixtures', 'sweep', 'virtual.yaml');
const spec = parseSweepSpec(
  {
    format: 'bitcycle-sweep/1',
    name: 'strategy',
    hw: 'hw-configs/systolic/default.yaml',
    workloads: ['resnet18'],
    axes: [
      { name: 'rows', field: 'array.rows', range: { from: 4, to: 128, factor: 2 } },
      { name: 'cols', field: 'array.cols', range: { from: 4, to: 128, factor: 2 } },
      { name: 'kib', field: 'sram.ifmap_kib', range: { from: 16, to: 512, factor: 2 } },
    ],
    constraints: ['rows * cols <= 4096'],
    objectives: ['energy', 'area'],
  },
  FILE,
);

describe('sweep strategies', () => {
  it('grid plans every feasible point in index order', () => {
    const all = [...plannedIndices(spec)];
    expect(spaceSize(spec)).toBe(216);
    // rows·cols ≤ 4096 with both in {4 … 128}: 36 pairs minus those above 4096 (64·128, 128·64, 128·128)
    expect(all.length).toBe((36 - 3) * 6);
    expect(all).toEqual([...all].sort((a, b) => a - b));
  });

  it('random samples are distinct, feasible, seeded and sorted', () => {
    const a = sampleIndices(spec, 25, new Rng(7));
    const b = sampleIndices(spec, 25, new Rng(7));
    const c = sampleIndices(spec, 25, new Rng(8));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new Set(a).size).toBe(25);
    expect(a).toEqual([...a].sort((x, y) => x - y));
    for (const i of a) expect(feasible(spec, pointAt(spec, i))).toBe(true);
    expect(sampleIndices(spec, 10_000, new Rng(1)).length).toBe(198);
  });

  it('offspring are feasible and prefer unseen points; survivors follow rank then crowding', () => {
    const rng = new Rng(3);
    const parents = sampleIndices(spec, 8, rng);
    const costs = parents.map((i) => [pointAt(spec, i).rows as number, -(pointAt(spec, i).cols as number)]);
    const kids = offspring(spec, parents, costs, 8, new Set(parents), rng);
    expect(kids.length).toBe(8);
    for (const k of kids) expect(feasible(spec, pointAt(spec, k))).toBe(true);
    expect(kids.filter((k) => parents.includes(k)).length).toBeLessThan(8);
    // survivors of [a dominated point, two front points]: the front first
    expect(
      selectSurvivors(
        [10, 20, 30],
        [
          [2, 2],
          [1, 3],
          [3, 1],
        ],
        2,
      ).sort((x, y) => x - y),
    ).toEqual([20, 30]);
  });
});
