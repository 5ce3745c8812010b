/** `--engine reference`: R runs with seeded operands and is checked against E. */
import { describe, expect, it } from 'vitest';
import { simulateGemm, operandBytes } from '../../../src/targets/systolic/index.js';
import { checkWithReference } from '../../../src/targets/systolic/check.js';
import { convView, specOf } from './helpers.js';
import { cli } from '../../cli/helpers.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../../src/units/paths.js';

const formats = { weights: 'int4', activations: 'fp8-e4m3', accumulator: 'fp32' };

describe('reference check', () => {
  const view = convView({
    n: 1,
    c: 6,
    h: 7,
    w: 7,
    cout: 5,
    kh: 3,
    kw: 3,
    stride: [2, 1],
    pads: [1, 1, 1, 1],
    dilation: [1, 1],
    groups: 1,
  });
  const spec = specOf({
    array: { rows: 4, cols: 3, dataflow: 'ws' },
    sram: { ifmap_kib: 0.2, filter_kib: 0.1, ofmap_kib: 0.1 },
    dram: { read_bandwidth_bytes_per_cycle: 2, write_bandwidth_bytes_per_cycle: 1, latency_cycles: 3 },
  });
  const job = {
    kind: 'gemm' as const,
    name: 'c',
    op: 'conv2d',
    view,
    bytes: operandBytes(formats, undefined),
  };

  it('passes when R and E agree, counting every output', () => {
    const e = simulateGemm(job, spec);
    expect(checkWithReference(job, formats, spec, e)).toBe(view.segments.reduce((s, g) => s + g.m * g.n, 0));
  });

  it('fails loudly when E is wrong', () => {
    const e = simulateGemm(job, spec);
    const wrong = { ...e, timing: { ...e.timing, cycles: e.timing.cycles + 1 } };
    expect(() => checkWithReference(job, formats, spec, wrong)).toThrow(/disagree on cycles/);
  });

  it('simulate --engine reference reports the checked layers', async () => {
    const d = mkdtempSync(join(tmpdir(), 'bitcycle-ref-'));
    const topo = join(d, 'g.csv');
    writeFileSync(topo, 'Layer, M, N, K,\ng, 40, 12, 30,\n');
    const r = await cli(
      'simulate',
      '--hw',
      join(packageRoot(), 'hw-configs', 'systolic', 'default.yaml'),
      '--workload',
      topo,
      '--engine',
      'reference',
      '--format',
      'w4a8',
      '--json',
      '--skip-reports',
    );
    expect(r.code).toBe(0);
    const layer = (JSON.parse(r.stdout) as { layers: Record<string, unknown>[] }).layers[0]!;
    expect(layer.engine).toBe('reference');
    expect(layer.outputsChecked).toBe(40 * 12);
  });
});
