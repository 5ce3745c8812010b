import { describe, expect, it } from 'vitest';
import { changePct, compareRuns, withinTolerance } from '../../src/regress/compare.js';
import { flattenMetrics, type Metrics } from '../../src/regress/metrics.js';
import { DEFAULT_TOLERANCES } from '../../src/regress/suite.js';

const base: Metrics = flattenMetrics({
  cycles: 1000,
  stallCycles: 10,
  macs: 5000,
  energyPj: 1e9,
  areaUm2: null,
  counts: { 'pe.mac': 5000, 'sram.read': 77 },
});

describe('withinTolerance', () => {
  it('exact: any move fails, equal passes', () => {
    expect(withinTolerance(5, 5, 'exact')).toBe(true);
    expect(withinTolerance(5, 6, 'exact')).toBe(false);
    expect(withinTolerance(0.1 + 0.2, 0.3, 'exact')).toBe(false);
  });
  it('relative: |now − base| ≤ r·|base|, at the boundary too', () => {
    expect(withinTolerance(1000, 1001, { relative: 1e-3 })).toBe(true);
    expect(withinTolerance(1000, 1001.5, { relative: 1e-3 })).toBe(false);
    expect(withinTolerance(-1000, -999, { relative: 1e-3 })).toBe(true);
    expect(withinTolerance(1e9, 1e9 * (1 + 1e-10), { relative: 1e-9 })).toBe(true);
    expect(withinTolerance(1e9, 1e9 * 1.01, { relative: 1e-9 })).toBe(false);
    expect(withinTolerance(0, 1e-30, { relative: 0.5 })).toBe(false);
    expect(withinTolerance(0, 0, { relative: 0 })).toBe(true);
  });
  it('null equals only null, whatever the tolerance', () => {
    expect(withinTolerance(null, null, 'exact')).toBe(true);
    expect(withinTolerance(null, 1, { relative: 1 })).toBe(false);
    expect(withinTolerance(1, null, { relative: 1 })).toBe(false);
  });
  it('changePct is relative to |baseline|, null when undefined', () => {
    expect(changePct(200, 202)).toBeCloseTo(1);
    expect(changePct(-200, -202)).toBeCloseTo(-1);
    expect(changePct(0, 1)).toBeNull();
    expect(changePct(null, 1)).toBeNull();
  });
});

describe('compareRuns', () => {
  it('no change: no findings; counts cases and metrics', () => {
    const c = compareRuns(new Map([['a', base]]), new Map([['a', base]]), DEFAULT_TOLERANCES);
    expect(c).toEqual({ findings: [], cases: 1, metrics: 7 });
  });
  it('lists exactly the metrics that moved beyond their tolerance', () => {
    const now = { ...base, cycles: 1001, energyPj: 1e9 * (1 + 1e-12), 'counts.sram.read': 78 };
    const c = compareRuns(new Map([['a', base]]), new Map([['a', now]]), DEFAULT_TOLERANCES);
    expect(c.findings.map((f) => [f.metric, f.kind, f.baseline, f.now])).toEqual([
      ['cycles', 'moved', 1000, 1001],
      ['counts.sram.read', 'moved', 77, 78],
    ]);
    expect(c.findings[0]!.tolerance).toBe('exact');
    expect(c.findings[0]!.changePct).toBeCloseTo(0.1);
  });
  it('uses the per-metric tolerance (a looser energy tolerance lets 1 % pass)', () => {
    const now = { ...base, energyPj: 1.01e9 };
    const tol = { ...DEFAULT_TOLERANCES, energyPj: { relative: 0.02 } };
    expect(compareRuns(new Map([['a', base]]), new Map([['a', now]]), tol).findings).toEqual([]);
    const strict = compareRuns(new Map([['a', base]]), new Map([['a', now]]), DEFAULT_TOLERANCES);
    expect(strict.findings.map((f) => f.metric)).toEqual(['energyPj']);
  });
  it('null → number and new/missing action counts are regressions', () => {
    const { 'counts.sram.read': _gone, ...rest } = base;
    const now = { ...rest, areaUm2: 5, 'counts.dram.read': 1 };
    const c = compareRuns(new Map([['a', base]]), new Map([['a', now]]), DEFAULT_TOLERANCES);
    expect(c.findings.map((f) => [f.metric, f.kind])).toEqual([
      ['areaUm2', 'moved'],
      ['counts.sram.read', 'metric removed'],
      ['counts.dram.read', 'metric added'],
    ]);
  });
  it('a case added and a case removed are findings, in run order then baseline order', () => {
    const c = compareRuns(
      new Map([
        ['a', base],
        ['old', base],
      ]),
      new Map([
        ['new', base],
        ['a', base],
      ]),
      DEFAULT_TOLERANCES,
    );
    expect(c.findings.map((f) => [f.case, f.kind])).toEqual([
      ['new', 'case added'],
      ['old', 'case removed'],
    ]);
    expect(c.cases).toBe(2);
  });
});
