import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSweepSpec, parseSweepSpec, rangeValues } from '../../src/dse/spec.js';
import {
  feasible,
  feasibleIndices,
  pointAt,
  pointConfig,
  spaceSize,
  digitsOf,
  indexOf,
} from '../../src/dse/space.js';
import { InputError, type InputIssue } from '../../src/units/errors.js';
import { packageRoot } from '../../src/units/paths.js';

const root = packageRoot();
const FILE = join(root, 'test', 'fixtures', 'sweep', 'virtual.yaml');

function base(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    format: 'bitcycle-sweep/1',
    name: 'unit',
    hw: 'hw-configs/systolic/default.yaml',
    workloads: ['resnet18'],
    axes: [{ name: 'rows', field: 'array.rows', values: [8, 16] }],
    objectives: ['energy', 'area'],
    ...extra,
  };
}

function issuesOf(raw: unknown): InputIssue[] {
  try {
    parseSweepSpec(raw, FILE);
  } catch (e) {
    if (e instanceof InputError) return [...e.issues];
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('range values', () => {
  it('linear steps include `to` when a step lands on it', () => {
    expect(rangeValues({ from: 8, to: 32, step: 8 })).toEqual([8, 16, 24, 32]);
    expect(rangeValues({ from: 0, to: 1, step: 0.25 })).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(rangeValues({ from: 1, to: 10, step: 4 })).toEqual([1, 5, 9]);
  });
  it('log ranges by factor or count', () => {
    expect(rangeValues({ from: 32, to: 512, factor: 2 })).toEqual([32, 64, 128, 256, 512]);
    expect(rangeValues({ from: 1, to: 1000, count: 4, scale: 'log' })).toEqual([1, 10, 100, 1000]);
    expect(rangeValues({ from: 0, to: 10, count: 3 })).toEqual([0, 5, 10]);
  });
});

describe('sweep spec validation', () => {
  it('accepts the shipped example and sizes its space', () => {
    const spec = loadSweepSpec(join(root, 'hw-configs', 'sweeps', 'systolic-format-area.yaml'));
    expect(spec.targetId).toBe('systolic');
    expect(spec.axes.map((a) => a.values.length)).toEqual([5, 5, 6]);
    expect(spaceSize(spec)).toBe(150);
    // the 512 KiB buffers (3 × 512 > 1024) are the only infeasible points
    expect([...feasibleIndices(spec)].length).toBe(120);
    expect(spec.objectives.map((o) => [o.metric.name, o.goal])).toEqual([
      ['energy', 'minimize'],
      ['area', 'minimize'],
      ['latency', 'minimize'],
    ]);
  });

  it('accepts the shipped riscv-cluster example: format × RBE × operating point, priced', () => {
    const spec = loadSweepSpec(join(root, 'hw-configs', 'sweeps', 'marsellus-rbe-voltage.yaml'));
    expect(spec.targetId).toBe('riscv-cluster');
    expect(spec.axes.map((a) => a.values.length)).toEqual([5, 2, 4]);
    expect(spaceSize(spec)).toBe(40);
    expect(spec.objectives.map((o) => o.metric.name)).toEqual(['latency', 'energy']);
  });

  it('reports every problem at once, each with its field path', () => {
    const issues = issuesOf(
      base({
        axes: [
          { name: 'rows', field: 'array.rows', values: [8, -1, 'x'] },
          { name: 'df', field: 'array.dataflow', values: ['os', 'zz'] },
          { name: 'fmt', field: 'format', values: ['int8', 'int99'] },
          { name: 'bad', field: 'array.nosuch.deep', values: [1] },
          { name: 'rows', field: 'sram.ifmap_kib', values: [1, 1] },
        ],
        constraints: ['rows * ', 'unknown_name > 2'],
        derived: { total: 'sram.ifmap_kib + sram.filter_kib' },
        objectives: ['energy', 'speed', 'dsp'],
        workloads: ['resnet18', 'no-such-net'],
      }),
    );
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'axes[0].values[1]',
        'axes[0].values[2]',
        'axes[1].values[1]',
        'axes[2].values[1]',
        'axes[3].field',
        'axes[4].name',
        'axes[4].values[1]',
        'constraints[0]',
        'constraints[1]',
        'objectives[1]',
        'objectives[2]',
        'workloads[1]',
      ]),
    );
    for (const i of issues) expect(i.file).toBe(FILE);
    const neg = issues.find((i) => i.path === 'axes[0].values[1]')!;
    expect(neg.value).toBe('-1');
    expect(neg.expected).toMatch(/array\.rows/);
    expect(issues.find((i) => i.path === 'constraints[0]')!.expected).toMatch(/column 8/);
  });

  it('refuses priced objectives on a preset without a technology', () => {
    const issues = issuesOf(base({ hw: 'no-tech.yaml', objectives: ['energy', 'latency', 'tops-per-w'] }));
    expect(issues.map((i) => i.path)).toEqual(['objectives[0]', 'objectives[2]']);
    expect(issues[0]!.expected).toMatch(/names no technology/);
    const cfg = issuesOf(base({ hw: 'hw-configs/systolic/scalesim-32x32-os.cfg' }));
    expect(cfg.map((i) => i.path)).toEqual(['hw']);
    expect(issuesOf(base({ hw: 'no/such.yaml' }))[0]!.expected).toMatch(/existing YAML preset/);
  });

  it('checks strategies and numerics settings', () => {
    expect(issuesOf(base({ strategy: { kind: 'random' } })).map((i) => i.path)).toEqual(['strategy.samples']);
    expect(
      issuesOf(
        base({ strategy: { kind: 'evolutionary', population: 8, generations: 2 }, objectives: ['energy'] }),
      ).map((i) => i.path),
    ).toEqual(['objectives']);
    expect(issuesOf(base({ numerics: { method: 'mmse' } })).map((i) => i.path)).toEqual(['numerics']);
    expect(issuesOf(base({ objectives: ['accuracy'] })).map((i) => i.path)).toEqual(['objectives']);
    const spec = parseSweepSpec(base({ strategy: { kind: 'random', samples: 3 } }), FILE);
    expect(spec.strategy).toEqual({ kind: 'random', samples: 3, seed: 1 });
  });

  it('hashes what decides the results, not where the spec lives', () => {
    const a = parseSweepSpec(base(), FILE);
    const b = parseSweepSpec(base(), join(root, 'elsewhere.yaml'));
    const c = parseSweepSpec(base({ axes: [{ name: 'rows', field: 'array.rows', values: [8, 32] }] }), FILE);
    expect(a.hash).toBe(b.hash);
    expect(a.hash).not.toBe(c.hash);
  });
});

describe('design space', () => {
  const spec = parseSweepSpec(
    base({
      axes: [
        { name: 'size', fields: ['array.rows', 'array.cols'], values: [8, 16, 32] },
        { name: 'df', field: 'array.dataflow', values: ['os', 'ws'] },
        { name: 'fmt', field: 'format', values: ['int8', 'w4a8'] },
      ],
      derived: { pes: 'array.rows * array.cols' },
      constraints: ["pes <= 256 || df == 'os'"],
    }),
    FILE,
  );

  it('numbers points in mixed radix, last axis fastest', () => {
    expect(spaceSize(spec)).toBe(12);
    expect(pointAt(spec, 0)).toEqual({ size: 8, df: 'os', fmt: 'int8' });
    expect(pointAt(spec, 1)).toEqual({ size: 8, df: 'os', fmt: 'w4a8' });
    expect(pointAt(spec, 2)).toEqual({ size: 8, df: 'ws', fmt: 'int8' });
    expect(pointAt(spec, 11)).toEqual({ size: 32, df: 'ws', fmt: 'w4a8' });
    for (let i = 0; i < 12; i++) expect(indexOf(spec, digitsOf(spec, i))).toBe(i);
  });

  it('writes axis values into every field and the format flag', () => {
    const cfg = pointConfig(spec, pointAt(spec, 7));
    expect(cfg.format).toBe('w4a8');
    const array = cfg.hwDocument.array as Record<string, unknown>;
    expect(array).toEqual({ rows: 16, cols: 16, dataflow: 'ws' });
    // the base document is not modified
    expect((spec.hwDocument.array as Record<string, unknown>).rows).toBe(32);
  });

  it('evaluates constraints on axes, derived quantities and fields', () => {
    // 32×32 = 1024 PEs is only allowed output-stationary
    expect(feasible(spec, pointAt(spec, 8))).toBe(true);
    expect(feasible(spec, pointAt(spec, 10))).toBe(false);
    expect([...feasibleIndices(spec)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
