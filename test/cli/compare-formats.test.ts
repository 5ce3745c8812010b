import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitFormatList, parseNode } from '../../src/sim/compare.js';
import { packageRoot } from '../../src/units/paths.js';
import type { NumericalError } from '../../src/numerics/types.js';
import { cli } from './helpers.js';

const hw = join(packageRoot(), 'hw-configs', 'systolic', 'default.yaml');

interface Row {
  format: string;
  weights: string;
  activations: string;
  accumulator: string;
  macAreaUm2: number;
  peArrayAreaUm2: number;
  sramAreaUm2: number;
  totalAreaUm2: number;
  energyPjPerInference: number;
  cycles: number;
  opsPerJ: number;
  numericalError: NumericalError | null;
  areaRatioVsInt8: number;
}

describe('compare-formats', () => {
  it('splits format lists without breaking posit<8,0> or fixed<4,4>, and parses nodes', () => {
    expect(splitFormatList('int8, posit<8,0>,fixed<4,4>,w4a8')).toEqual([
      'int8',
      'posit<8,0>',
      'fixed<4,4>',
      'w4a8',
    ]);
    expect(parseNode('22nm')).toBe(22);
    expect(() => parseNode('twenty')).toThrow();
  });

  it('--json gives one object per format with the documented fields, and writes CSV, JSON, HTML', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'bitcycle-cmp-')), 'o');
    const r = await cli(
      'compare-formats',
      '--hw',
      hw,
      '--workload',
      'alexnet',
      '--formats',
      'int8,w4a8,fp8-e4m3,posit<8,0>,binary',
      '--no-numerics',
      '--json',
      '--out',
      out,
    );
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Row[];
    expect(rows.map((x) => x.format)).toEqual(['int8', 'w4a8', 'fp8-e4m3', 'posit<8,0>', 'binary']);
    expect(Object.keys(rows[0]!).slice(0, 12)).toEqual([
      'format',
      'weights',
      'activations',
      'accumulator',
      'macAreaUm2',
      'peArrayAreaUm2',
      'sramAreaUm2',
      'totalAreaUm2',
      'energyPjPerInference',
      'energyBreakdownPj',
      'cycles',
      'opsPerJ',
    ]);
    const [i8, w4a8, fp8, , bin] = rows;
    expect(i8!.areaRatioVsInt8).toBe(1);
    expect(w4a8).toMatchObject({ weights: 'int4', activations: 'int8', accumulator: 'int32' });
    expect(fp8!.accumulator).toBe('fp32');
    // a binary MAC is XNOR + popcount: far smaller than an int8 MAC; fp8 with fp32 accumulation larger
    expect(bin!.macAreaUm2).toBeLessThan(i8!.macAreaUm2 / 5);
    expect(fp8!.macAreaUm2).toBeGreaterThan(i8!.macAreaUm2);
    for (const row of rows) {
      expect(row.numericalError).toBeNull();
      expect(row.totalAreaUm2).toBeCloseTo(
        row.peArrayAreaUm2 + row.sramAreaUm2 + (row.totalAreaUm2 - row.peArrayAreaUm2 - row.sramAreaUm2),
        6,
      );
      expect(row.energyPjPerInference).toBeGreaterThan(0);
    }
    for (const f of ['compare.json', 'compare.csv', 'compare.html'])
      expect(existsSync(join(out, f))).toBe(true);
    const html = readFileSync(join(out, 'compare.html'), 'utf8');
    expect((html.match(/<svg /g) ?? []).length).toBe(3);
    expect(html).toContain('<title>binary PE array:');
    // one table cell per field, even for names with commas
    expect(html).toContain('<td>posit&lt;8,0&gt;</td>');
    expect(readFileSync(join(out, 'compare.csv'), 'utf8')).toContain('not computed');
  });

  it('fills the numerical-error column: MNIST int8 keeps top-1, 2-bit and binary lose it', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'bitcycle-cmp-')), 'o');
    const mnist = join(packageRoot(), 'workloads', 'mnist');
    const r = await cli(
      'compare-formats',
      '--hw',
      hw,
      '--workload',
      join(mnist, 'model.json'),
      '--data',
      join(mnist, 'test.json'),
      '--calib',
      join(mnist, 'calib.json'),
      '--eval-count',
      '300',
      '--formats',
      'int8,w2a8,binary,bf16',
      '--json',
      '--out',
      out,
    );
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Row[];
    const [i8, w2, bin, bf16] = rows.map((x) => x.numericalError!);
    for (const n of [i8!, w2!, bin!, bf16!]) {
      expect(n.samples).toBe(300);
      expect(n.data).toContain('test.json (300 samples)');
      expect(n.fp32Top1Accuracy).toBe(i8!.fp32Top1Accuracy);
    }
    // int8 within one point of float32; bf16 (8-bit mantissa, unscaled) about 50 dB
    expect(Math.abs(i8!.top1Accuracy! - i8!.fp32Top1Accuracy!)).toBeLessThanOrEqual(0.01);
    expect(i8!.outputSqnrDb).toBeGreaterThan(30);
    expect(bf16!.outputSqnrDb).toBeGreaterThan(40);
    // 2-bit weights and binary weights+activations lose accuracy measurably
    expect(w2!.top1Accuracy!).toBeLessThan(i8!.fp32Top1Accuracy! - 0.05);
    expect(bin!.top1Accuracy!).toBeLessThan(i8!.fp32Top1Accuracy! - 0.05);
    expect(w2!.outputSqnrDb).toBeLessThan(i8!.outputSqnrDb - 10);
    const csv = readFileSync(join(out, 'compare.csv'), 'utf8');
    expect(csv.split('\n')[0]).toContain('outputSqnrDb,outputMaxAbsError,worstLayer');
    expect(csv).not.toContain('not computed');
    expect(readFileSync(join(out, 'compare.html'), 'utf8')).toContain('run bit-accurately, against float32');
  }, 120_000);

  it('a preset without technology, and an unknown node, are clear errors (exit 2)', async () => {
    const eyeriss = join(packageRoot(), 'hw-configs', 'systolic', 'eyeriss.yaml');
    const a = await cli('compare-formats', '--hw', eyeriss, '--workload', 'alexnet', '--formats', 'int8');
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('technology');
    const b = await cli(
      'compare-formats',
      '--hw',
      hw,
      '--workload',
      'alexnet',
      '--formats',
      'int8',
      '--node',
      '3nm',
    );
    expect(b.code).toBe(2);
    expect(b.stderr).not.toMatch(/\bat .+:\d+:\d+/);
  });
});
