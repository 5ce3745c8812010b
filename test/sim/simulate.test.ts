import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { readYamlFile } from '../../src/config/yaml.js';
import { analyzeGraph } from '../../src/graph/analyze.js';
import { listZoo, loadWorkload } from '../../src/graph/workload.js';
import { prepareRun } from '../../src/sim/prepare.js';
import { runTasks } from '../../src/sim/pool.js';
import { assembleResult } from '../../src/sim/result.js';
import type { LayerResult } from '../../src/targets/types.js';
import { packageRoot } from '../../src/units/paths.js';
import { cli } from '../cli/helpers.js';

const presetDir = join(packageRoot(), 'hw-configs', 'systolic');
const yamlPresets = readdirSync(presetDir).filter((f) => f.endsWith('.yaml'));
const cfgPresets = readdirSync(presetDir).filter((f) => f.endsWith('.cfg'));
const CNNS = listZoo()
  .map((w) => w.id)
  .filter((id) => !['bert-base', 'gpt2', 'gpt2-medium'].includes(id));

function withDataflow(preset: string, dataflow: string): string {
  const doc = readYamlFile(join(presetDir, preset)) as { array: { dataflow: string } };
  doc.array.dataflow = dataflow;
  const dir = mkdtempSync(join(tmpdir(), 'bitcycle-df-'));
  const f = join(dir, `${dataflow}-${preset}`);
  writeFileSync(f, stringify(doc));
  return f;
}

async function runInline(hw: string, workload: string): Promise<ReturnType<typeof assembleResult>> {
  const run = prepareRun({ hw, workload });
  const results = await runTasks(
    run.jobs.map((job) => ({ targetId: run.target.id, spec: run.spec, job })),
    0,
  );
  return assembleResult(run, results as LayerResult[]);
}

describe('simulate', () => {
  it('--workers 1 and --workers 2 write byte-identical summary.json and layers.csv', async () => {
    const a = mkdtempSync(join(tmpdir(), 'bitcycle-w1-'));
    const b = mkdtempSync(join(tmpdir(), 'bitcycle-w2-'));
    const hw = join(presetDir, 'default.yaml');
    const r1 = await cli(
      'simulate',
      '--hw',
      hw,
      '--workload',
      'resnet18',
      '--workers',
      '1',
      '--out',
      join(a, 'out'),
    );
    const r2 = await cli(
      'simulate',
      '--hw',
      hw,
      '--workload',
      'resnet18',
      '--workers',
      '2',
      '--out',
      join(b, 'out'),
    );
    expect(r1.code).toBe(0);
    expect(r2.code).toBe(0);
    for (const f of ['summary.json', 'layers.csv']) {
      expect(readFileSync(join(a, 'out', f), 'utf8')).toBe(readFileSync(join(b, 'out', f), 'utf8'));
    }
    const s = JSON.parse(readFileSync(join(a, 'out', 'summary.json'), 'utf8')) as {
      totals: { macs: number };
    };
    expect(s.totals.macs).toBe(1814073344);
  });

  it('--json prints the result object with the documented fields', async () => {
    const r = await cli(
      'simulate',
      '--hw',
      join(presetDir, 'default.yaml'),
      '--workload',
      'alexnet',
      '--json',
      '--skip-reports',
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(j).slice(0, 6)).toEqual([
      'bitcycle',
      'target',
      'preset',
      'fidelity',
      'workload',
      'format',
    ]);
    const totals = j.totals as Record<string, number>;
    for (const k of [
      'cycles',
      'stallCycles',
      'macs',
      'latencyS',
      'utilization',
      'opsPerS',
      'inferencesPerS',
    ]) {
      expect(typeof totals[k]).toBe('number');
    }
    expect(totals.opsPerS).toBeCloseTo((2 * totals.macs!) / totals.latencyS!, 0);
    expect(j.fidelity).toBe('cycle-accurate');
  });

  // every zoo CNN on every preset and dataflow: runs, and the invariants hold
  for (const preset of yamlPresets) {
    for (const dataflow of ['os', 'ws', 'is']) {
      it(`every zoo CNN on ${preset} (${dataflow})`, async () => {
        const hw = withDataflow(preset, dataflow);
        for (const id of CNNS) {
          const r = await runInline(hw, id);
          const macs = analyzeGraph(loadWorkload(id)).totals.macs;
          expect(r.totals.macs, id).toBe(macs);
          const peak = (readYamlFile(hw) as { array: { rows: number; cols: number } }).array;
          expect(r.totals.cycles, id).toBeGreaterThanOrEqual(Math.ceil(macs / (peak.rows * peak.cols)));
          for (const l of r.layers) {
            expect(l.cycles).toBeGreaterThanOrEqual(l.stallCycles);
            if (l.macs > 0) expect(l.utilization).toBeLessThanOrEqual(1);
          }
        }
      }, 300_000);
    }
  }

  for (const cfg of cfgPresets) {
    it(`every zoo CNN on the SCALE-Sim config ${cfg}`, async () => {
      for (const id of CNNS) {
        const r = await runInline(join(presetDir, cfg), id);
        expect(r.totals.macs, id).toBe(analyzeGraph(loadWorkload(id)).totals.macs);
        expect(r.totals.stallCycles, id).toBeGreaterThanOrEqual(0);
      }
    }, 300_000);
  }
});

describe('simulate: bad hardware input', () => {
  function hwFile(doc: unknown): string {
    const dir = mkdtempSync(join(tmpdir(), 'bitcycle-badhw-'));
    const f = join(dir, 'hw.yaml');
    writeFileSync(f, stringify(doc));
    return f;
  }
  const base = readYamlFile(join(presetDir, 'default.yaml')) as Record<string, Record<string, unknown>>;

  it('an SRAM too small to hold one fold: one message naming file and field, exit 2, no output', async () => {
    const f = hwFile({ ...base, sram: { ifmap_kib: 0.01, filter_kib: 64, ofmap_kib: 64 } });
    const out = join(mkdtempSync(join(tmpdir(), 'bitcycle-out-')), 'never');
    const r = await cli('simulate', '--hw', f, '--workload', 'resnet18', '--out', out);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(f);
    expect(lines[0]).toContain('sram.ifmap_kib');
    expect(existsSync(out)).toBe(false);
  });

  it('a zero array size and an unknown dataflow are reported together', async () => {
    const f = hwFile({ ...base, array: { rows: 0, cols: 32, dataflow: 'rs' } });
    const r = await cli('simulate', '--hw', f, '--workload', 'resnet18', '--skip-reports');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('array.rows');
    expect(r.stderr).toContain('array.dataflow');
    expect(r.stderr).not.toMatch(/\bat .+:\d+:\d+/);
  });

  it('a missing key is named', async () => {
    const { dram: _dram, ...rest } = base;
    const f = hwFile(rest);
    const r = await cli('simulate', '--hw', f, '--workload', 'resnet18', '--skip-reports');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('dram');
  });

  it('missing --hw is a usage error', async () => {
    const r = await cli('simulate', '--workload', 'resnet18');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--hw');
  });
});
