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
    for (const row of Object.values(s.energyPj)) expect(row.source).toMatch(/^(estimate|derived)/);
  });

  it('reports every problem of a bad preset at once', () => {
    const doc = preset();
    const cluster = doc.cluster as Record<string, unknown>;
    const energy = doc.energy as { actions: Record<string, unknown> };
    delete energy.actions['rbe.bitop'];
    const bad = {
      ...doc,
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
        expect.stringMatching(/^energy\.actions\.rbe\.bitop: /),
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

  it('with signed activations or the RBE off, everything runs on the cores, with the reason', () => {
    const s = spec();
    const signed = riscvClusterTarget.compile(
      graph,
      shaped(graph),
      s,
      { weights: 'int8', activations: 'int8', accumulator: 'int32' },
      { engine: 'event' },
    );
    const first = signed[0]!;
    expect(first.kind === 'cores' && first.reason).toMatch(/activations int8 are signed/);
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

  it('prices a layer from the table rows: Σ count × pJ × (V/0.8 V)² + leakage × time', () => {
    const s = spec();
    const r = riscvClusterTarget.runJob(byName('core_conv'), s);
    const c = r.counts;
    const n = (k: string): number => c[k] ?? 0;
    const pj = (a: keyof RiscvClusterSpec['energyPj']): number => s.energyPj[a].pj;
    const dynamic =
      n('cores.insn.total') * pj('core.instruction') +
      (n('cores.insn.mul') + n('cores.insn.mulh') + n('cores.insn.div')) * pj('core.mul') +
      n('cores.mac.int8') * pj('core.mac.int8') +
      n('cores.mac.int32') * pj('core.mac.int32') +
      n('cores.mac.int16') * pj('core.mac.int16') +
      (n('cores.data.read') + n('cores.data.write')) * pj('tcdm.word') +
      n('dma.bytes') * pj('dma.byte');
    const leakage = 2.0e-3 * (r.cycles / 400e6) * 1e12; // 2 mW at 400 MHz
    expect(n('cores.mac.int8')).toBeGreaterThan(0);
    expect(r.extra.clusterEnergyPj).toBeCloseTo(dynamic + leakage, 6);
    // the same layer at 0.5 V: dynamic energy × (0.5/0.8)², leakage at that point's power and clock
    const low = { ...s, operatingPoint: s.operatingPoints.find((p) => p.name === 'low-0.5v')! };
    const r2 = riscvClusterTarget.runJob(byName('core_conv'), low);
    expect(r2.cycles).toBe(r.cycles);
    const leak2 = 0.8e-3 * (r.cycles / 100e6) * 1e12;
    expect(r2.extra.clusterEnergyPj).toBeCloseTo(dynamic * (0.5 / 0.8) ** 2 + leak2, 6);
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
      totals: { cycles: number; macs: number; energyPj: number | null };
      layers: {
        name: string;
        cycles: number;
        engine: string;
        rbeRefused?: string;
        clusterEnergyPj?: number;
      }[];
    };
    expect(summary.target).toBe('riscv-cluster');
    expect(summary.preset).toBe('marsellus');
    expect(summary.clockHz).toBe(400e6);
    expect(summary.format.activations).toBe('uint8');
    expect(summary.layers.map((l) => l.engine)).toEqual(['rbe', 'pass-through', 'cores']);
    expect(summary.layers[2]!.rbeRefused).toMatch(/stride/);
    expect(summary.totals.cycles).toBe(summary.layers.reduce((a, l) => a + l.cycles, 0));
    expect(summary.totals.macs).toBe(8 * 8 * 32 * 32 * 9 + 4 * 4 * 16 * 32 * 9);
    // energy is the target's own per-layer figure; the systolic roll-up does not price this target
    expect(summary.totals.energyPj).toBeNull();
    expect(summary.layers[0]!.clusterEnergyPj).toBeGreaterThan(0);
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
    expect(conv2.counts['eu.barriers']).toBeGreaterThan(0);
    expect(conv2.counts['dma.bytes.toTcdm']).toBeGreaterThan(0);
    // one core's whole-layer a8w8 rate is about 2.57 MAC/cycle (docs/riscv-cluster-kernels.md)
    expect(conv2.macs / conv2.cycles).toBeGreaterThan(2 * 2.57);
    // the terminal summary gives the target's own energy (Σ of the layers'), not "not computed"
    const { renderRun } = await import('../../../src/report/run-report.js');
    const { formatNumber } = await import('../../../src/report/table.js');
    const sumPj = r.layers.reduce(
      (s, l) => s + (typeof l.clusterEnergyPj === 'number' ? l.clusterEnergyPj : 0),
      0,
    );
    expect(sumPj).toBeGreaterThan(0);
    expect(renderRun(r)).toContain(
      `energy ${formatNumber(sumPj / 1e9, 4)} mJ per run from the target's own model`,
    );
  }, 60_000);
});
