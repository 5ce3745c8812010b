import { describe, expect, it } from 'vitest';
import { cli } from './helpers.js';
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import { packageRoot } from '../../src/units/paths.js';

interface InspectJson {
  workload: string;
  layers: {
    name: string;
    op: string;
    inputShape: number[];
    outputShape: number[];
    macs: number;
    params: number;
  }[];
  totals: { macs: number; params: number; paramBytes: number };
}

describe('bitcycle inspect', () => {
  it('--json gives per-layer shapes and MACs whose sum is the total', async () => {
    const r = await cli('inspect', '--workload', 'resnet18', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as InspectJson;
    expect(j.workload).toBe('resnet18');
    const conv1 = j.layers[0]!;
    // conv1: 7x7/2, 3→64, 224→112: 112·112·64·3·7·7 = 118,013,952 MACs; 64·3·7·7 = 9408 params
    expect(conv1).toMatchObject({
      op: 'conv2d',
      inputShape: [1, 3, 224, 224],
      outputShape: [1, 64, 112, 112],
    });
    expect(conv1.macs).toBe(118013952);
    expect(conv1.params).toBe(9408);
    expect(j.layers.reduce((s, l) => s + l.macs, 0)).toBe(j.totals.macs);
    expect(j.totals.paramBytes).toBe(j.totals.params); // int8: one byte per weight
  });

  it('parameter bytes follow the weight format', async () => {
    const a = JSON.parse(
      (await cli('inspect', '--workload', 'resnet18', '--json', '--format', 'w4a8')).stdout,
    ) as InspectJson;
    expect(a.totals.paramBytes).toBe(Math.ceil(a.totals.params / 2));
  });

  it('prints a table with totals', async () => {
    const r = await cli('inspect', '--workload', 'mobilenetv2');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/mobilenetv2: \d+ layers, 0\.3\d\d GMACs/);
  });
});

describe('bitcycle list / formats / validate', () => {
  it('lists formats and workloads', async () => {
    const f = await cli('list', 'formats', '--json');
    const names = (JSON.parse(f.stdout) as { name: string }[]).map((x) => x.name);
    for (const n of ['intN', 'fp8-e4m3fn', 'posit<n,es>', 'binary', 'shortfloat8', 'pow2<b>'])
      expect(names).toContain(n);
    const w = await cli('list', 'workloads', '--json');
    const ids = (JSON.parse(w.stdout) as { id: string }[]).map((x) => x.id);
    for (const id of ['alexnet', 'resnet50', 'bert-base', 'gpt2-medium', 'yolo-tiny'])
      expect(ids).toContain(id);
  });

  it('formats show gives the range and the hardware descriptor', async () => {
    const r = await cli('formats', 'show', 'fp8-e4m3fn', '--json');
    const j = JSON.parse(r.stdout) as {
      maxValue: number;
      hardware: { multiplierInputBits: number };
      grid: number[];
    };
    expect(j.maxValue).toBe(448);
    expect(j.hardware.multiplierInputBits).toBe(4);
    // 256 codes, two NaNs (±), ±0 collapse to one value: 253 distinct finite values
    expect(j.grid).toHaveLength(253);
  });

  it('validates every shipped hardware preset, YAML and SCALE-Sim .cfg', async () => {
    const dir = join(packageRoot(), 'hw-configs', 'systolic');
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml') || x.endsWith('.cfg'))) {
      const r = await cli('validate', join(dir, f));
      expect(r.code, f).toBe(0);
      expect(r.stdout).toContain('valid hw-config');
    }
  });

  it('validates every shipped technology table', async () => {
    const dir = join(packageRoot(), 'hw-configs', 'tech');
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
      const r = await cli('validate', join(dir, f));
      expect(r.code, `${f}: ${r.stderr}`).toBe(0);
    }
  });

  it('validates a tech table', async () => {
    const r = await cli('validate', join(packageRoot(), 'hw-configs', 'tech', 'horowitz-45nm.yaml'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('valid tech-table');
  });

  it('start runs the main job on the default workload', async () => {
    const r = await cli('start');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('resnet18');
  });
});
