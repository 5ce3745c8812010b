/** SCALE-Sim's three report files: header text, column order and Python's number printing. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScaleSimCsv } from '../../../src/graph/import/scalesim-csv.js';
import {
  BANDWIDTH_COLUMNS,
  COMPUTE_COLUMNS,
  DETAILED_COLUMNS,
  pythonFloat,
  renderScaleSimReports,
  scaleSimRow,
  scaleSimRows,
} from '../../../src/report/scalesim.js';
import { systolicTarget, type SystolicJob } from '../../../src/targets/systolic/index.js';
import { parseScaleSimCfg } from '../../../src/targets/systolic/scalesim-cfg.js';
import { GOLDEN_CASES, runCase, shapedNodes } from './scalesim-golden.js';

const RAW = readFileSync('test/golden/scalesim/cases.json', 'utf8');

/** The number tokens of a case's expected row exactly as SCALE-Sim (Python) printed them. */
function rawTokens(id: string): Map<string, string> {
  const at = RAW.indexOf(`"id": "${id}"`);
  const from = RAW.indexOf('"expected": [', at);
  const to = RAW.indexOf(']', from);
  const tokens = new Map<string, string>();
  for (const m of RAW.slice(from, to).matchAll(/"(\w+)": (-?[0-9][0-9.eE+-]*)/g)) tokens.set(m[1]!, m[2]!);
  return tokens;
}

/** A report file's data line as value cells: "<id>, v, …, v," → [v, …, v]. */
function cells(text: string, line: number): string[] {
  const l = text.split('\n')[line]!;
  expect(l.endsWith(',')).toBe(true);
  return l.slice(0, -1).split(', ').slice(1);
}

describe('pythonFloat: Python’s str() of a float', () => {
  it.each([
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1e16, '1e+16'],
    [1234567890123456, '1234567890123456.0'],
    [1.2345678901234568e16, '1.2345678901234568e+16'],
    [1.5e-7, '1.5e-07'],
    [43.63636363636363, '43.63636363636363'],
    [4, '4.0'],
    [-66, '-66.0'],
    [1e22, '1e+22'],
    [0.1, '0.1'],
    [1.23456e-8, '1.23456e-08'],
    [0, '0.0'],
    [-0, '-0.0'],
    [Infinity, 'inf'],
    [NaN, 'nan'],
  ])('%d → %s', (x, s) => {
    expect(pythonFloat(x)).toBe(s);
  });
});

describe('renderScaleSimReports', () => {
  it('writes SCALE-Sim’s header lines', () => {
    const r = renderScaleSimReports([]);
    expect(r.compute).toBe(
      'LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,\n',
    );
    expect(r.bandwidth).toBe(
      'LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW, Avg IFMAP DRAM BW, Avg FILTER DRAM BW, Avg OFMAP DRAM BW,\n',
    );
    expect(r.detailed).toBe(
      'LayerID, SRAM IFMAP Start Cycle, SRAM IFMAP Stop Cycle, SRAM IFMAP Reads, SRAM Filter Start Cycle, SRAM Filter Stop Cycle, ' +
        'SRAM Filter Reads, SRAM OFMAP Start Cycle, SRAM OFMAP Stop Cycle, SRAM OFMAP Writes, DRAM IFMAP Start Cycle, ' +
        'DRAM IFMAP Stop Cycle, DRAM IFMAP Reads, DRAM Filter Start Cycle, DRAM Filter Stop Cycle, DRAM Filter Reads, ' +
        'DRAM OFMAP Start Cycle, DRAM OFMAP Stop Cycle, DRAM OFMAP Writes,\n',
    );
  });

  it('prints every value of every golden row exactly as SCALE-Sim did', () => {
    for (const c of GOLDEN_CASES) {
      const tokens = rawTokens(c.id);
      const r = renderScaleSimReports(c.expected);
      const printed = new Map<string, string>();
      const add = (text: string, columns: readonly { key: string }[]): void => {
        cells(text, 1).forEach((v, i) => printed.set(columns[i]!.key, v));
      };
      add(r.compute, COMPUTE_COLUMNS);
      add(r.bandwidth, BANDWIDTH_COLUMNS);
      add(r.detailed, DETAILED_COLUMNS);
      expect(printed.size).toBe(29);
      for (const [k, v] of printed) expect(v, `${c.id} ${k}`).toBe(tokens.get(k));
    }
  });

  it('one line per layer: "<id>, v, …, v,"', () => {
    const { rows } = runCase(GOLDEN_CASES[0]!);
    const r = renderScaleSimReports([rows[0]!, { ...rows[0]!, layerId: 1 }]);
    const lines = r.compute.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe('0, 55, 0, 43.63636363636363, 75.0, 42.857142857142854,');
    expect(lines[2]!.startsWith('1, 55, ')).toBe(true);
    expect(lines[2]!.endsWith(', 42.857142857142854,')).toBe(true);
    expect(lines[3]).toBe('');
  });

  it('bitcycle’s COMPUTE_REPORT.csv is SCALE-Sim’s, byte for byte, on the 27 cases where neither stalls', () => {
    let n = 0;
    for (const c of GOLDEN_CASES) {
      if (c.large || c.expected.some((e) => e.stallCycles > 0)) continue;
      const { rows } = runCase(c);
      if (rows.some((r) => r.stallCycles > 0)) continue;
      expect(renderScaleSimReports(rows).compute, c.id).toBe(renderScaleSimReports(c.expected).compute);
      n++;
    }
    expect(n).toBe(27);
  });
});

describe('scaleSimRows', () => {
  it('one row per GEMM layer in topology order, numbered from 0; other jobs get none', () => {
    const topology =
      'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n' +
      'a, 10, 10, 3, 3, 4, 12, 1,\nb, 16, 16, 3, 3, 8, 16, 2,\n';
    const { spec } = parseScaleSimCfg(GOLDEN_CASES[0]!.cfgText, 'tiny.cfg');
    const graph = parseScaleSimCsv(topology, 'two.csv');
    const formats = { weights: 'int8', activations: 'int8', accumulator: 'int32' };
    const gemms = systolicTarget.compile(graph, shapedNodes(graph), spec, formats, { engine: 'event' });
    const layout: SystolicJob = { kind: 'layout', name: 'flat', op: 'flatten' };
    const rows = scaleSimRows([gemms[0]!, layout, gemms[1]!], spec);
    expect(rows.map((r) => r.layerId)).toEqual([0, 1]);
    const second = gemms[1]!;
    if (second.kind !== 'gemm') throw new Error('expected a GEMM job');
    expect(rows[1]).toEqual(scaleSimRow(1, second, spec));
    // layer b: 16×16 s2 3×3 → ceil output 8×8 (SCALE-Sim), M·N·K = 64·16·72 on a 4×4 os array
    expect(rows[1]!.totalCycles).toBe(16 * 4 * (72 + 4 + 4 - 2) - 1);
  });
});
