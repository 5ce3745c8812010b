import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readYamlFile } from '../../../src/config/yaml.js';
import { analyzeGraph } from '../../../src/graph/analyze.js';
import { loadGraph } from '../../../src/graph/load.js';
import type { Graph } from '../../../src/graph/ir.js';
import { hwConfigFromDocument } from '../../../src/targets/load.js';
import { findTarget } from '../../../src/targets/registry.js';
import { riscvClusterTarget, type RiscvClusterJob } from '../../../src/targets/riscv-cluster/index.js';
import { parseRiscvClusterSpec, type RiscvClusterSpec } from '../../../src/targets/riscv-cluster/spec.js';
import type { ShapedNode } from '../../../src/targets/types.js';
import { PRICED_ACTIONS } from '../../../src/targets/riscv-cluster/index.js';
import { priceRun } from '../../../src/cost/rollup.js';
import { macCost } from '../../../src/cost/mac.js';
import { leakagePower } from '../../../src/cost/scaling.js';
import { parseFormat } from '../../../src/formats/index.js';
import { InputError } from '../../../src/units/errors.js';
import { packageRoot } from '../../../src/units/paths.js';
import { cli } from '../../cli/helpers.js';

const PRESET = join(packageRoot(), 'hw-configs', 'riscv-cluster', 'marsellus.yaml');
const preset = (): Record<string, unknown> => readYamlFile(PRESET) as Record<string, unknown>;
const spec = (): RiscvClusterSpec => parseRiscvClusterSpec(preset(), PRESET);

/** A small layer table: an RBE-legal conv, then a conv the RBE refuses (16 channels, stride 2). */
const TABLE = {
  format: 'bitcycle-workload/1',
  id: 'rc-small',
  inputs: [{ name: 'x', shape: [1, 32, 8, 8] }],
  layers: [
    {
      name: 'rbe_conv',
      op: 'conv2d',
      inputs: ['x'],
      attrs: { outChannels: 32, kernel: [3, 3], stride: [1, 1], pads: [1, 1, 1, 1] },
      bias: false,
    },
    { name: 'relu', op: 'relu', inputs: ['rbe_conv'] },
    {
      name: 'core_conv',
      op: 'conv2d',
      inputs: ['relu'],
      attrs: { outChannels: 16, kernel: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1] },
      bias: false,
    },
  ],
};

interface Summary {
  operatingPoint: { name: string; clockHz: number; voltageV?: number };
  totals: {
    cycles: number;
    macs: number;
    energyPj: number | null;
    opsPerJ: number | null;
    opsPerS: number;
    areaUm2: number | null;
  };
  layers: { name: string; cycles: number; engine: string; rbeRefused?: string; energyPj: number }[];
}

function writeTable(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rc-'));
  const file = join(dir, 'small.json');
  writeFileSync(file, JSON.stringify(TABLE));
  return file;
}

function shaped(graph: Graph): ShapedNode[] {
  const a = analyzeGraph(graph);
  return graph.nodes.map((node, i) => ({
    node,
    inputShapes: node.inputs.map((t) => a.shapes.get(t) ?? []),
    outputShapes: node.outputs.map((t) => a.shapes.get(t) ?? []),
    macs: a.layers[i]?.macs ?? 0,
  }));
}

function issuesOf(doc: unknown): string[] {
  try {
    hwConfigFromDocument(doc, 'x.yaml');
  } catch (e) {
    if (e instanceof InputError) return e.issues.map((i) => `${i.path}: ${i.expected}`);
    throw e;
  }
  return [];
}

describe('riscv-cluster target: the Marsellus preset', () => {
  it('is registered and the preset parses', () => {
    expect(findTarget('riscv-cluster')).toBeDefined();
    const s = spec();
    expect(s.cores).toBe(16);
    expect(s.tcdmBytes).toBe(128 * 1024);
    expect(s.tcdmBanks).toBe(32);
    expect(s.l2Bytes).toBe(1024 * 1024);
    expect(s.operatingPoint.name).toBe('nominal-0.8v');
    expect(s.operatingPoints.filter((p) => p.bodyBiasBoost)).toHaveLength(2);
    // every figure names a source or says it is an estimate
    for (const p of s.operatingPoints) expect(p.source).toMatch(/estimate|pulp\.md/);
    // forward body bias triples leakage (estimate); no boost, no factor
    for (const p of s.operatingPoints) expect(p.leakageFactor).toBe(p.bodyBiasBoost ? 3 : 1);
  });

  it('reports every problem of a bad preset at once', () => {
    const doc = preset();
    const cluster = doc.cluster as Record<string, unknown>;
    const points = doc.operating_points as Record<string, unknown>[];
    const bad = {
      ...doc,
      operating_points: [{ ...points[0], leakage_factor: -1 }, ...points.slice(1)],
      cluster: { ...cluster, cores: 0, tcdm_banks: 3 },
      operating_point: 'turbo',
      rbe: 'yes',
      extra_key: 1,
    };
    const issues = issuesOf(bad);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^cluster\.cores: .*positive/),
        expect.stringMatching(/^rbe: /),
        expect.stringMatching(/^operating_points\[0\]\.leakage_factor: /),
        expect.stringMatching(/^\(root\): no such key/),
      ]),
    );
    // the operating point is checked once the document has the right shape
    const op = issuesOf({ ...preset(), operating_point: 'turbo' });
    expect(op).toEqual([
      'operating_point: one of the operating_points names: nominal-0.8v, nominal-0.8v-abb, low-0.5v, low-0.5v-abb',
    ]);
    const banks = issuesOf({ ...preset(), cluster: { ...cluster, tcdm_banks: 3 } });
    expect(banks[0]).toMatch(/^cluster\.tcdm_banks: .*whole 32-bit words/);
  });
});

describe('riscv-cluster target: RBE where legal, cores otherwise', () => {
  const file = writeTable();
  const graph = loadGraph(file).graph;
  const jobs = riscvClusterTarget.compile(
    graph,
    shaped(graph),
    spec(),
    { weights: 'int8', activations: 'uint8', accumulator: 'int32' },
    { engine: 'event' },
  );
  const byName = (n: string): RiscvClusterJob => jobs.find((j) => j.name === n)!;

  it('sends the 32-channel 3×3 stride-1 conv to the RBE and the 16-channel stride-2 conv to the cores', () => {
    expect(byName('rbe_conv').kind).toBe('rbe');
    expect(byName('relu').kind).toBe('pass');
    const core = byName('core_conv');
    expect(core.kind).toBe('cores');
    if (core.kind !== 'cores') return;
    expect(core.reason).toMatch(/kOut: got 16/);
    expect(core.reason).toMatch(/stride: got 2/);
  });

  it('signed activations still go to the RBE (offset codes, bias folded); with the RBE off everything runs on the cores, with the reason', () => {
    const s = spec();
    const signed = riscvClusterTarget.compile(
      graph,
      shaped(graph),
      s,
      { weights: 'int8', activations: 'int8', accumulator: 'int32' },
      { engine: 'event' },
    );
    const first = signed[0]!;
    expect(first.kind === 'rbe' && first.signedActivations).toBe(true);
    expect(first.kind === 'rbe' && first.rbe.norm.relu).toBe(false);
    const r = riscvClusterTarget.runJob(first, s);
    expect(r.extra.rbeActivationOffset).toMatch(/signed codes \+ 2\^7, folded into the bias/);
    const off = riscvClusterTarget.compile(
      graph,
      shaped(graph),
      { ...s, rbe: false },
      { weights: 'int8', activations: 'uint8', accumulator: 'int32' },
      { engine: 'event' },
    );
    const o = off[0]!;
    expect(o.kind === 'cores' && o.reason).toMatch(/the RBE is off/);
  });

  it('counts only priced actions, and the cost tables price them: rows × (V/0.8 V)², SIMD lanes as MACs, leakage from area', () => {
    const s = spec();
    const r = riscvClusterTarget.runJob(byName('core_conv'), s);
    const n = (k: string): number => r.counts[k] ?? 0;
    // statistics are extra fields, never counts (nothing is priced twice)
    expect(Object.keys(r.counts).every((k) => (PRICED_ACTIONS as readonly string[]).includes(k))).toBe(true);
    expect(r.extra['cores.stall.total']).toBeGreaterThan(0);
    expect(r.extra['stalls.barrier']).toBeGreaterThan(0);
    expect(n('cores.mac.int8')).toBeGreaterThan(0);
    const inv = riscvClusterTarget.inventory(s, {
      weights: 'int8',
      activations: 'uint8',
      accumulator: 'int32',
    });
    const tech = riscvClusterTarget.technology(s)!;
    const priced = priceRun(inv, [r], tech, s.operatingPoint.clockHz);
    const e = priced.layers[0]!.energyByComponentPj;
    // blocks.yaml rows are given at 22 nm, 0.8 V: at the nominal point they apply unscaled
    const lane = (bits: number): number =>
      macCost(parseFormat(`int${bits}`), parseFormat(`int${bits}`), parseFormat('int32'), {
        nodeNm: 22,
        voltageV: 0.8,
      }).energyPj;
    const cores =
      n('cores.insn.total') * 2.0 +
      (n('cores.insn.mul') + n('cores.insn.mulh') + n('cores.insn.div')) * 0.9 +
      n('cores.mac.int8') * lane(8) +
      n('cores.mac.int32') * lane(32);
    expect(e.cores).toBeCloseTo(cores, 6);
    expect(e['cluster.infrastructure']).toBeCloseTo(n('tcdm.access') * 0.3, 6);
    const area = priced.areaUm2;
    expect(Object.keys(priced.areaByComponentUm2).sort()).toEqual(
      ['cluster.infrastructure', 'cores', 'icache.private', 'icache.shared', 'l2', 'rbe', 'tcdm'].sort(),
    );
    const leak = leakagePower(area, { nodeNm: 22, voltageV: 0.8 }).powerUw;
    expect(e.leakage).toBeCloseTo(leak * (r.cycles / 400e6) * 1e6, 6);
    // the same layer at 0.5 V (100 MHz) with forward body bias: dynamic × (0.5/0.8)², leakage × 3
    const low = { ...s, operatingPoint: s.operatingPoints.find((p) => p.name === 'low-0.5v-abb')! };
    const r2 = riscvClusterTarget.runJob(byName('core_conv'), low);
    expect(r2.cycles).toBe(r.cycles);
    const p2 = priceRun(inv, [r2], riscvClusterTarget.technology(low)!, low.operatingPoint.clockHz)
      .layers[0]!;
    expect(p2.energyByComponentPj.cores).toBeCloseTo(cores * (0.5 / 0.8) ** 2, 3);
    const leak2 = leakagePower(area, { nodeNm: 22, voltageV: 0.5, leakageFactor: 3 }).powerUw;
    expect(p2.leakageEnergyPj).toBeCloseTo(leak2 * (r.cycles / 130e6) * 1e6, 6);
  });

  it('the RBE layer takes the E model cycles and bit-op counts', () => {
    const r = riscvClusterTarget.runJob(byName('rbe_conv'), spec());
    expect(r.extra.engine).toBe('rbe');
    expect(r.cycles).toBeGreaterThan(0);
    expect(r.counts['rbe.bitop']).toBeGreaterThan(0);
    expect(r.macs).toBe(8 * 8 * 32 * 32 * 9);
  });
});

describe('riscv-cluster target: simulate end to end', () => {
  it('runs a small layer table through the CLI and writes summary.json', async () => {
    const file = writeTable();
    const out = mkdtempSync(join(tmpdir(), 'rc-out-'));
    const r = await cli('simulate', '--hw', PRESET, '--workload', file, '--out', out, '--workers', '1');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      target: string;
      preset: string;
      clockHz: number;
      format: { activations: string };
    } & Summary;
    expect(summary.target).toBe('riscv-cluster');
    expect(summary.preset).toBe('marsellus');
    expect(summary.clockHz).toBe(400e6);
    expect(summary.format.activations).toBe('uint8');
    expect(summary.layers.map((l) => l.engine)).toEqual(['rbe', 'pass-through', 'cores']);
    expect(summary.layers[2]!.rbeRefused).toMatch(/stride/);
    expect(summary.totals.cycles).toBe(summary.layers.reduce((a, l) => a + l.cycles, 0));
    expect(summary.totals.macs).toBe(8 * 8 * 32 * 32 * 9 + 4 * 4 * 16 * 32 * 9);
    // priced by the cost model: totals are the layers' sum, ops count 2 per MAC
    const e = summary.totals.energyPj!;
    expect(e).toBeCloseTo(
      summary.layers.reduce((a, l) => a + l.energyPj, 0),
      3,
    );
    expect(summary.totals.opsPerJ).toBeCloseTo((2 * summary.totals.macs) / (e / 1e12), 0);
    expect(summary.totals.opsPerS).toBeCloseTo((2 * summary.totals.macs * 400e6) / summary.totals.cycles, 0);
    expect(summary.totals.areaUm2).toBeGreaterThan(0);
  });

  it('--op-point and --rbe choose the operating point and the RBE; bad values are exit 2', async () => {
    const file = writeTable();
    const run = async (...flags: string[]) => {
      const r = await cli(
        'simulate',
        '--hw',
        PRESET,
        '--workload',
        file,
        '--skip-reports',
        '--json',
        '--workers',
        '1',
        ...flags,
      );
      return { ...r, summary: r.code === 0 ? (JSON.parse(r.stdout) as Summary) : undefined };
    };
    const base = (await run()).summary!;
    const low = await run('--op-point', 'low-0.5v');
    expect(low.code).toBe(0);
    expect(low.summary!.operatingPoint).toEqual({ name: 'low-0.5v', clockHz: 100e6, voltageV: 0.5 });
    expect(low.summary!.totals.cycles).toBe(base.totals.cycles);
    expect(low.summary!.totals.opsPerS).toBeCloseTo(base.totals.opsPerS / 4, 0);
    expect(low.summary!.totals.energyPj).not.toBe(base.totals.energyPj);
    const off = await run('--rbe', 'off');
    expect(off.summary!.layers.map((l) => l.engine)).toEqual(['cores', 'pass-through', 'cores']);
    const on = await run('--rbe', 'on');
    expect(on.summary!.layers.map((l) => l.engine)).toEqual(['rbe', 'pass-through', 'cores']);
    const bad = await run('--op-point', 'turbo');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/operating_point: got "turbo"; expected one of the operating_points names/);
    expect(bad.stdout).toBe('');
    const systolic = await cli(
      'simulate',
      '--hw',
      join(packageRoot(), 'hw-configs', 'systolic', 'default.yaml'),
      '--workload',
      file,
      '--op-point',
      'x',
      '--skip-reports',
    );
    expect(systolic.code).toBe(2);
    expect(systolic.stderr).toMatch(/--op-point: got "x"; expected no such flag for the systolic target/);
  });

  it('refuses a layer too big for the ISS with the limit named, instead of running for hours', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rc-big-'));
    const hw = join(dir, 'hw.yaml');
    writeFileSync(hw, JSON.stringify({ ...preset(), simulation: { iss_max_macs_per_layer: 1000, seed: 1 } }));
    const r = await cli(
      'simulate',
      '--hw',
      hw,
      '--workload',
      writeTable(),
      '--skip-reports',
      '--workers',
      '1',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/simulation\.iss_max_macs_per_layer/);
  });
});

describe('riscv-cluster target: core layers on the whole cluster', () => {
  it('runs each core layer on every core (TCDM, DMA, barriers), and faster than one core would', async () => {
    const { prepareRun } = await import('../../../src/sim/prepare.js');
    const { runPrepared } = await import('../../../src/sim/run.js');
    const hw = join(packageRoot(), 'hw-configs', 'riscv-cluster', 'marsellus.yaml');
    const run = prepareRun({ hw, workload: join(packageRoot(), 'workloads', 'mnist', 'model.json') });
    const r = await runPrepared(run, { hw, workers: 0 });
    const conv2 = r.layers.find((l) => l.name === 'conv2')!;
    expect(conv2.engine).toBe('cores');
    expect(conv2.coresUsed).toBe(16);
    expect(conv2.counts['tcdm.access']).toBeGreaterThan(0);
    expect(conv2['eu.barriers']).toBeGreaterThan(0);
    expect(conv2['dma.bytes.toTcdm']).toBeGreaterThan(0);
    expect(conv2['stalls.dmaWait']).toBeGreaterThan(0);
    // one core's whole-layer a8w8 rate is about 2.57 MAC/cycle (docs/riscv-cluster-kernels.md)
    expect(conv2.macs / conv2.cycles).toBeGreaterThan(2 * 2.57);
    expect(r.totals.energyPj).toBeGreaterThan(0);
  }, 60_000);
});

describe('riscv-cluster target: compare-formats', () => {
  it('prices each format: compute blocks and SRAMs split the area, narrower formats cost less energy', async () => {
    const { compareFormats } = await import('../../../src/sim/compare.js');
    const rows = await compareFormats({
      hw: PRESET,
      workload: join(packageRoot(), 'regress', 'workloads', 'cluster-layers.csv'),
      formats: ['w8a8', 'w2a2'],
      workers: 0,
    });
    expect(rows.map((r) => r.format)).toEqual(['w8a8', 'w2a2']);
    for (const r of rows) {
      expect(r.peArrayAreaUm2).toBeGreaterThan(0);
      expect(r.sramAreaUm2).toBeGreaterThan(0);
      expect(r.peArrayAreaUm2 + r.sramAreaUm2).toBeLessThanOrEqual(r.totalAreaUm2 + 1e-6);
    }
    // the same chip in both formats; fewer bits run faster on the RBE and cost less energy
    expect(rows[1]!.totalAreaUm2).toBeCloseTo(rows[0]!.totalAreaUm2, 6);
    expect(rows[1]!.cycles).toBeLessThan(rows[0]!.cycles);
    expect(rows[1]!.energyPjPerInference).toBeLessThan(rows[0]!.energyPjPerInference);
  }, 60_000);
});
